// Shared by the auth e2e tests: an htpasswd file made with apache2-utils (mode 0600,
// as regcache demands of secrets), the [auth] TOML, tokens fetched as a client would,
// and the check that no secret ever reached regcache's output.
import { expect } from "vitest";
import { writeHtpasswdFile } from "../../helpers/htpasswd.ts";
import type { Credentials } from "../../helpers/skopeo.ts";
import type { RegcacheProcess } from "../regcache-process.ts";

export const writeHtpasswd = (path: string, users: Credentials[]) => writeHtpasswdFile(path, users);

export const basicHeader = (c: Credentials) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;

/** A token from regcache's /token, as a client gets one (anonymous without credentials). */
export async function fetchToken(regcache: RegcacheProcess, scopes: string[], creds?: Credentials): Promise<string> {
  const query = new URLSearchParams([["service", "regcache"], ...scopes.map((s) => ["scope", s])]);
  const r = await fetch(`${regcache.url}/token?${query}`, { headers: creds ? { authorization: basicHeader(creds) } : {} });
  expect(r.status).toBe(200);
  return ((await r.json()) as { token: string }).token;
}

/** No line regcache wrote (log, errors, either stream) holds any of the secrets. */
export function expectNoSecretInOutput(regcache: RegcacheProcess, secrets: string[]): void {
  const lines = regcache.lines();
  expect(lines.length).toBeGreaterThan(0);
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(5);
    const leaking = lines.filter((l) => l.includes(secret) || l.includes(Buffer.from(secret).toString("base64")));
    expect(leaking, `a secret (${secret.slice(0, 3)}…) appears in regcache's output`).toEqual([]);
  }
}
