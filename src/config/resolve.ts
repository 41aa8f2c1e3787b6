// The checks that need more than the config's text: the files it names
// (passwords, CA certificates, the admin token) and what the upstream client
// refuses (plain http:// without insecure), and a storage path that cannot be a directory. `regcache serve`
// starts from what this returns and `regcache config check` runs the same
// function, so the two never disagree about a config.
import { statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ConfigError } from "./load.ts";
import type { Config, UpstreamConfig } from "./schema.ts";
import { readAdminToken, readConfigFile, readSecretFile, checkSecretFileMode } from "./secrets.ts";
import { HtpasswdError, parseHtpasswd } from "../auth/htpasswd.ts";
import { tokenKeyPath } from "../auth/token-key-path.ts";
import type { AccessEntry, AuthConfig } from "./auth.ts";
import { tlsPairOf, type TlsPair } from "./tls.ts";

/** What one upstream client is built from: the config's keys with the secrets read. */
export interface UpstreamSettings {
  name: string;
  url: string;
  username?: string;
  password?: string;
  /** PEM of an extra CA, trusted in addition to the public roots. */
  caPem?: string;
  /** Allows http:// and disables TLS verification. */
  insecure: boolean;
  /** Origins a redirect or token realm may lead to although their address is internal. */
  redirectAllow: string[];
  connectTimeoutMs: number;
  /** Time allowed until the response headers arrive. */
  headersTimeoutMs: number;
  /** Mirrors tried before `url`, in order (no credentials). */
  mirrors?: { url: string; insecure: boolean; remoteNamespace: string }[];
  /** How long a failed mirror is skipped. */
  mirrorBackoffMs?: number;
  /** auth = "passthrough": clients' own credentials, per repository (issue 12). */
  passthrough?: boolean;
}

/** [auth] with its htpasswd file read and checked (issue 12). */
export interface ResolvedAuth {
  config: AuthConfig;
  /** user name → bcrypt hash */
  users: ReadonlyMap<string, string>;
  access: readonly AccessEntry[];
}

export interface ResolvedConfig {
  config: Config;
  upstreams: UpstreamSettings[];
  adminToken: string | undefined;
  /** undefined: no [auth] table, every client may do everything. */
  auth?: ResolvedAuth;
  /** The listener's certificate and key, read and checked; undefined: plain HTTP. */
  tls: TlsPair | undefined;
}

function resolveAuth(config: Config): ResolvedAuth | undefined {
  const auth = config.auth;
  for (const [i, u] of config.upstream.entries()) {
    if (u.auth !== "passthrough") continue;
    const where = `upstream[${i}] (${u.name})`;
    if (!auth) throw new ConfigError(`${where}.auth: "passthrough" needs an [auth] table (clients must log in to regcache)`);
    if (u.username || u.password_file) throw new ConfigError(`${where}.auth: "passthrough" uses the clients' credentials; remove username and password_file`);
    if (u.mirrors.length > 0) throw new ConfigError(`${where}.auth: "passthrough" cannot use mirrors (mirrors get no credentials)`);
  }
  if (!auth) return undefined; // without [auth] nothing reads the token key: behaviour as before
  // The token key is made at the first start; one that exists must be private already.
  checkSecretFileMode(tokenKeyPath(config.storage.path), "auth (token key)");
  const text = readSecretFile(auth.htpasswd, "auth.htpasswd");
  try {
    return { config: auth, users: parseHtpasswd(text), access: config.access };
  } catch (e) {
    if (e instanceof HtpasswdError) throw new ConfigError(`auth.htpasswd: ${auth.htpasswd} ${e.message}`);
    throw e;
  }
}

function upstreamSettings(u: UpstreamConfig, index: number): UpstreamSettings {
  const where = `upstream[${index}] (${u.name})`;
  const protocol = new URL(u.url).protocol;
  if (protocol !== "https:" && protocol !== "http:") throw new ConfigError(`${where}.url: expected an http:// or https:// URL, got ${JSON.stringify(u.url)}`);
  if (protocol === "http:" && !u.insecure) throw new ConfigError(`${where}.url: plain http:// needs insecure = true`);
  const password = u.password_file ? readSecretFile(u.password_file, `${where}.password_file`).trim() : undefined;
  if (password !== undefined && !u.username) throw new ConfigError(`${where}.password_file: set username too`);
  const caPem = u.ca_file ? readConfigFile(u.ca_file, `${where}.ca_file`) : undefined;
  return {
    name: u.name,
    url: u.url,
    username: u.username || undefined,
    password,
    caPem,
    insecure: u.insecure,
    redirectAllow: [...u.redirect_allow],
    connectTimeoutMs: u.connect_timeout,
    headersTimeoutMs: u.timeout,
    mirrors: u.mirrors.map((m, j) => {
      const scheme = new URL(m.url).protocol;
      if (scheme !== "https:" && scheme !== "http:") throw new ConfigError(`${where}.mirrors[${j}].url: expected an http:// or https:// URL, got ${JSON.stringify(m.url)}`);
      if (scheme === "http:" && !m.insecure) throw new ConfigError(`${where}.mirrors[${j}].url: plain http:// needs insecure = true`);
      return { url: m.url, insecure: m.insecure, remoteNamespace: m.remote_namespace };
    }),
    mirrorBackoffMs: u.mirror_backoff,
    ...(u.auth === "passthrough" ? { passthrough: true } : {}),
  };
}

/** storage.path must be a directory, or creatable: its nearest existing ancestor a directory. */
function checkStoragePath(path: string): void {
  for (let p = resolve(path); ; p = dirname(p)) {
    let stats;
    try {
      stats = statSync(p);
    } catch {
      if (dirname(p) === p) return;
      continue;
    }
    if (stats.isDirectory()) return;
    throw new ConfigError(`storage.path: ${p} is not a directory`);
  }
}

/** Throws ConfigError naming `label` (the file) and the key. */
export function resolveConfig(config: Config, label: string): ResolvedConfig {
  try {
    checkStoragePath(config.storage.path);
    const tls = tlsPairOf(config.server);
    return { config, upstreams: config.upstream.map(upstreamSettings), adminToken: readAdminToken(config.server.admin_token_file), auth: resolveAuth(config), tls };
  } catch (e) {
    if (e instanceof ConfigError && !e.message.startsWith(`${label}:`)) throw new ConfigError(`${label}: ${e.message}`);
    throw e;
  }
}
