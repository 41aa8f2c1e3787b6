// Would Squid be able to start the store-id helper? Squid runs helpers as its
// effective user (cache_effective_user; `proxy` on Debian). When that user cannot
// execute the command, cache.log says only "store_id #Hlpr2 exited", then FATAL.
// `regcache squid config` asks first and refuses with the path and the user.
import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { SquidSettings } from "../../config/squid.ts";
import { cachesAnything } from "../conf.ts";
import { type Account, localAccount } from "./account.ts";
import { cannotReach } from "./reach.ts";

export interface HelperStartOptions {
  /** The config file the helper is told to load (--config), if any. */
  configPath?: string;
  /** Looks a user up; default: this machine's /etc/passwd and /etc/group. */
  lookup?: (name: string) => Account | undefined;
  /** Where a bare command name is searched (Squid execs it with execvp). Default $PATH. */
  path?: string;
}

/** Undefined when the helper can start as Squid's user; else a one-line reason. */
export async function helperStartProblem(s: SquidSettings, o: HelperStartOptions = {}): Promise<string | undefined> {
  if (!cachesAnything(s)) return undefined; // no helper in the generated config
  const name = s.cache_effective_user;
  const who = (o.lookup ?? localAccount)(name);
  if (!who) return `user ${name} (cache_effective_user), which Squid runs the store-id helper as, does not exist on this host`;
  const program = s.command.trim().split(/\s+/)[0]!;
  const found = program.includes("/") ? program : findInPath(program, o.path ?? process.env.PATH ?? "");
  if (!found) return `the store-id helper ${program} (command) is not found in PATH`;
  const full = resolve(found);
  const exec = await cannotReach(full, who, "execute");
  if (exec) return `user ${name} (cache_effective_user) cannot execute the store-id helper ${full}: ${exec}`;
  if (o.configPath) {
    const config = resolve(o.configPath);
    const read = await cannotReach(config, who, "read");
    if (read) return `user ${name} (cache_effective_user) cannot read ${config}, which the store-id helper loads: ${read}`;
  }
  return undefined;
}

function findInPath(program: string, path: string): string | undefined {
  return path.split(":").filter((d) => isAbsolute(d)).map((d) => join(d, program)).find((p) => existsSync(p));
}
