// Files that the config names (passwords, tokens, CA certificates: never inline
// in regcache.toml, which is often world-readable). Read once at start; an
// unreadable file is a config error that names the key.
import { readFileSync } from "node:fs";
import { ConfigError } from "./load.ts";

/** The content of a file named by config key `key`. */
export function readConfigFile(path: string, key: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`${key}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** The admin API token from server.admin_token_file, or undefined when none is configured. */
export function readAdminToken(path: string): string | undefined {
  if (!path) return undefined;
  const token = readConfigFile(path, "server.admin_token_file").trim();
  if (token === "") throw new ConfigError(`server.admin_token_file: ${path} is empty`);
  return token;
}
