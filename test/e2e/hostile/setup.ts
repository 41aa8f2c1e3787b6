// Shared set-up of the hostile tests: the compiled binary in front of the
// hostile upstream stand-in (test/helpers/hostile-upstream.ts), as upstream
// "hostile", plus whatever [[upstream]] tables a test adds.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir } from "../../helpers/temp-dirs.ts";
import { startHostileUpstream, type HostileUpstream } from "../../helpers/hostile-upstream.ts";
import { startRegcache, type RegcacheOptions, type RegcacheProcess } from "../regcache-process.ts";

export interface HostileSite {
  hostile: HostileUpstream;
  regcache: RegcacheProcess;
  stop(): Promise<void>;
}

/** `[[upstream]]` for the stand-in; `more` is extra TOML lines of the table. */
export const hostileUpstreamToml = (name: string, url: string, more: string[] = []) =>
  ["[[upstream]]", `name = ${JSON.stringify(name)}`, `url = ${JSON.stringify(url)}`, "insecure = true", ...more, ""].join("\n");

export async function startHostileSite(options: { extraToml?: (h: HostileUpstream) => string; regcache?: RegcacheOptions; credentials?: boolean } = {}): Promise<HostileSite> {
  const hostile = await startHostileUpstream();
  const secrets = makeTempDir("regcache-hostile-");
  let regcache: RegcacheProcess | undefined;
  try {
    const lines: string[] = [];
    if (options.credentials) {
      // Credentials that must never leave for a realm inside the site.
      const passwordFile = join(secrets.path, "password");
      writeFileSync(passwordFile, "site-password\n", { mode: 0o600 });
      lines.push(`username = "site-user"`, `password_file = ${JSON.stringify(passwordFile)}`);
    }
    regcache = await startRegcache({ ...options.regcache, extraToml: hostileUpstreamToml("hostile", hostile.url, lines) + (options.extraToml?.(hostile) ?? "") + (options.regcache?.extraToml ?? "") });
  } catch (e) {
    await hostile.stop();
    secrets.remove();
    throw e;
  }
  const started = regcache;
  return {
    hostile,
    regcache: started,
    async stop() {
      await started.dispose();
      await hostile.stop();
      secrets.remove();
    },
  };
}
