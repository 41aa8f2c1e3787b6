// Files that the config names (passwords, tokens, CA certificates: never inline
// in regcache.toml, which is often world-readable). Read once at start; an
// unreadable file is a config error that names the key.
import { readFileSync, statSync } from "node:fs";
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
  const token = readSecretFile(path, "server.admin_token_file").trim();
  if (token === "") throw new ConfigError(`server.admin_token_file: ${path} is empty`);
  return token;
}

/**
 * Refuses a secret file that others may read or write (the "other" permission bits; the group
 * may read it, e.g. a group the service user shares with a secrets manager). Throws ConfigError
 * naming the key, the file and its mode. A file that cannot be stat'ed is left to the read that
 * follows, which names the error.
 */
export function checkSecretFileMode(path: string, keyPath: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return;
  }
  if ((mode & 0o007) !== 0) {
    throw new ConfigError(`${keyPath}: ${path} is accessible to others (mode ${mode.toString(8).padStart(4, "0")}); a secret must not be: chmod o-rwx ${path}`);
  }
}

/** readConfigFile for a secret: its mode is checked first. */
export function readSecretFile(path: string, key: string): string {
  checkSecretFileMode(path, key);
  return readConfigFile(path, key);
}
