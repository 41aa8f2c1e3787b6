// How the e2e tests start regcache: the compiled binary when REGCACHE_BIN names it
// (`$REGCACHE_BIN squid store-id`), otherwise this checkout's source through entry.ts
// on the Bun that runs the tests.
import { fileURLToPath } from "node:url";

/** The words before "squid ...": e.g. ["/work/main/dist/regcache"] or [bun, entry.ts]. */
export function regcacheCommand(): string[] {
  const bin = process.env.REGCACHE_BIN?.trim();
  if (bin) return bin.split(/\s+/);
  return [process.execPath, fileURLToPath(new URL("./entry.ts", import.meta.url))];
}
