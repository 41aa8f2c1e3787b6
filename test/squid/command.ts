// How the e2e tests start regcache: the compiled binary (what ships; `npm test`
// builds it first), or the command in REGCACHE_BIN (`$REGCACHE_BIN squid store-id`).
import { BINARY } from "../e2e/regcache-process.ts";

/** The words before "squid ...": e.g. ["/work/main/dist/regcache"]. */
export function regcacheCommand(): string[] {
  const bin = process.env.REGCACHE_BIN?.trim();
  return bin ? bin.split(/\s+/) : [BINARY];
}
