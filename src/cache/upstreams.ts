// Building one upstream client per [[upstream]] from the config. Secrets and
// CA files are read once at start; an unreadable file is a config error.
import { ConfigError } from "../config/load.ts";
import { readConfigFile } from "../config/secrets.ts";
import type { UpstreamConfig } from "../config/schema.ts";
import { createUpstreamClient } from "../upstream/index.ts";
import type { CachedUpstream } from "./context.ts";

export function buildUpstream(u: UpstreamConfig, index: number): CachedUpstream {
  const where = `upstream[${index}] (${u.name})`;
  if (u.url.startsWith("http://") && !u.insecure) throw new ConfigError(`${where}.url: plain http:// needs insecure = true`);
  const password = u.password_file ? readConfigFile(u.password_file, `${where}.password_file`).trim() : undefined;
  if (password !== undefined && !u.username) throw new ConfigError(`${where}.password_file: set username too`);
  const caPem = u.ca_file ? readConfigFile(u.ca_file, `${where}.ca_file`) : undefined;
  const client = createUpstreamClient({
    name: u.name,
    url: u.url,
    username: u.username || undefined,
    password,
    caPem,
    insecure: u.insecure,
    connectTimeoutMs: u.connect_timeout,
    headersTimeoutMs: u.timeout,
    redirectAllow: [...u.redirect_allow],
  });
  return { name: u.name, client, freshness: { ttlMs: u.ttl, stalenessMs: u.staleness, staleIfError: u.stale_if_error } };
}
