// issue 12 in process: the /token endpoint and the /v2/ gate over the real app, as an
// attacker would probe them: scope escalation, forged and malformed Authorization
// headers, huge ones, a cross-repository mount from a repository the caller may not
// read, the catalog, and a Host header trying to move the realm.
import bcrypt from "bcryptjs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createAuth, type AuthService } from "../../src/auth/service.ts";
import { loadOrCreateTokenKey } from "../../src/auth/token-key.ts";
import type { AccessEntry } from "../../src/config/auth.ts";
import { createHarness, type Harness } from "./harness.ts";
import { blobOf, bytes, expectError, OCTET } from "./helpers.ts";

const entry = (e: Partial<AccessEntry> & { repository: string }): AccessEntry => ({ users: [], groups: [], anonymous: false, actions: [], ...e });
const hash = bcrypt.hashSync("alice-pw", 4);
const users = new Map([
  ["alice", hash],
  ["bob", bcrypt.hashSync("bob-pw", 4)],
  ["carol", bcrypt.hashSync("carol-pw", 4)],
]);
const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });

describe("auth gate and /token (in process)", () => {
  let h: Harness;
  let keyDir: string;
  let auth: AuthService;

  beforeAll(async () => {
    keyDir = mkdtempSync(join(tmpdir(), "regcache-auth-it-"));
    const key = await loadOrCreateTokenKey(keyDir);
    auth = createAuth({
      resolved: {
        config: { htpasswd: "unused", realm: "", token_ttl: 300_000, groups: {}, admin_users: ["alice"], admin_groups: [] },
        users,
        access: [
          entry({ repository: "myorg/**", users: ["alice"], actions: ["pull", "push", "delete"] }),
          entry({ repository: "myorg/**", users: ["bob"], actions: ["pull"] }),
          entry({ repository: "public/**", anonymous: true, actions: ["pull"] }),
        ],
      },
      key,
      canonical: (name) => name,
    });
    h = await createHarness({ deps: { auth } });
  });
  afterAll(() => {
    h?.close();
    rmSync(keyDir, { recursive: true, force: true });
  });

  async function token(query: string, headers: Record<string, string> = {}): Promise<string> {
    const r = await h.request(`/token?service=regcache&${query}`, { headers });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { token: string; access_token: string; expires_in: number; issued_at: string };
    expect(body.access_token).toBe(body.token);
    expect(body.expires_in).toBe(300);
    expect(Number.isNaN(Date.parse(body.issued_at))).toBe(false);
    return body.token;
  }
  const claims = (t: string) => JSON.parse(Buffer.from(t.split(".")[1]!, "base64url").toString()) as { sub?: string; access: unknown[] };
  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

  test("/v2/ without a token: 401 with the Bearer challenge naming realm and service", async () => {
    const r = await h.request("/v2/");
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toBe('Bearer realm="http://registry.test/token",service="regcache"');
    await expectError(r, 401, "UNAUTHORIZED");
    const pull = await h.request("/v2/myorg/app/manifests/latest");
    expect(pull.headers.get("www-authenticate")).toBe('Bearer realm="http://registry.test/token",service="regcache",scope="repository:myorg/app:pull"');
    const push = await h.request("/v2/myorg/app/blobs/uploads/", { method: "POST" });
    expect(push.headers.get("www-authenticate")).toContain('scope="repository:myorg/app:pull,push"');
  });

  test("a repository name with quotes or line breaks never reaches the challenge header", async () => {
    for (const name of ["a%22b", "a%0d%0aSet-Cookie:x", "a%0ab"]) {
      const r = await h.request(`/v2/${name}/manifests/latest`);
      expect(r.status).toBe(401);
      expect(r.headers.get("www-authenticate")).toBe('Bearer realm="http://registry.test/token",service="regcache"');
    }
  });

  test("a Host header that is not a host name does not move the realm", async () => {
    const r = await h.request("/v2/", { headers: { Host: 'evil.example/"x' } });
    expect(r.headers.get("www-authenticate")).toContain('realm="http://registry.test/token"');
  });

  test("scope escalation: the token grants the intersection of asked and allowed, nothing more", async () => {
    const bob = await token("scope=repository:myorg/app:pull,push,delete&scope=repository:other/x:pull&scope=registry:admin:*&scope=registry:catalog:*", basic("bob", "bob-pw"));
    expect(claims(bob)).toMatchObject({ sub: "bob", access: [{ type: "repository", name: "myorg/app", actions: ["pull"] }] });
    expect(claims(bob).access).toHaveLength(1);
    const anon = await token("scope=repository:myorg/app:*&scope=repository:public/base:*");
    expect(claims(anon).sub).toBeUndefined();
    expect(claims(anon).access).toEqual([{ type: "repository", name: "public/base", actions: ["pull"] }]);
    const alice = await token("scope=repository:myorg/app:*&scope=registry:admin:*", basic("alice", "alice-pw"));
    expect(claims(alice).access).toEqual([
      { type: "repository", name: "myorg/app", actions: ["pull", "push", "delete"] },
      { type: "registry", name: "admin", actions: ["*"] },
    ]);
  });

  test("/token refuses wrong passwords, unknown users, other services, a foreign account, malformed Basic", async () => {
    for (const headers of [basic("alice", "wrong"), basic("mallory", "alice-pw"), basic("alice", "alice-pw" + "x".repeat(80))]) {
      const r = await h.request("/token?service=regcache&scope=repository:myorg/app:pull", { headers });
      expect(r.status).toBe(401);
      expect(await r.text()).not.toContain("alice-pw");
    }
    expect((await h.request("/token?service=other&scope=repository:myorg/app:pull", { headers: basic("alice", "alice-pw") })).status).toBe(400);
    expect((await h.request("/token?account=bob", { headers: basic("alice", "alice-pw") })).status).toBe(400);
    for (const value of ["Basic", "Basic !!!", "Basic " + Buffer.from("nocolon").toString("base64"), "Basic " + "A".repeat(10_000)]) {
      expect((await h.request("/token", { headers: { Authorization: value } })).status).toBe(400);
    }
    expect((await h.request("/token", { method: "POST" })).status).toBe(405);
  });

  test("pull, push and delete are checked against the token and the rules", async () => {
    const bob = await token("scope=repository:myorg/app:pull,push", basic("bob", "bob-pw"));
    // bob may pull (404: nothing there yet, but past the gate) and may not push: 403 DENIED.
    expect((await h.request("/v2/myorg/app/manifests/latest", { headers: bearer(bob) })).status).toBe(404);
    await expectError(await h.request("/v2/myorg/app/blobs/uploads/", { method: "POST", headers: bearer(bob) }), 403, "DENIED");
    await expectError(await h.request("/v2/myorg/app/manifests/latest", { method: "DELETE", headers: bearer(bob) }), 403, "DENIED");
    // A token for one repository does not open another: the rules would allow alice, so the client is asked to get a new token.
    const alice = await token("scope=repository:myorg/app:pull,push", basic("alice", "alice-pw"));
    const elsewhere = await h.request("/v2/myorg/other/blobs/uploads/", { method: "POST", headers: bearer(alice) });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers.get("www-authenticate")).toContain('scope="repository:myorg/other:pull,push",error="insufficient_scope"');
    expect((await h.request("/v2/myorg/app/blobs/uploads/", { method: "POST", headers: bearer(alice) })).status).toBe(202);
    // Anonymous: 401 (log in), not 403.
    const anon = await token("scope=repository:myorg/app:pull&scope=repository:public/base:pull");
    expect((await h.request("/v2/myorg/app/manifests/latest", { headers: bearer(anon) })).status).toBe(401);
    expect((await h.request("/v2/public/base/manifests/latest", { headers: bearer(anon) })).status).toBe(404);
  });

  test("malformed, forged and huge Authorization headers get 401 invalid_token, never a 500", async () => {
    const alice = await token("scope=repository:myorg/app:pull", basic("alice", "alice-pw"));
    const [hd, , sig] = alice.split(".");
    const forged = `${hd}.${Buffer.from(JSON.stringify({ ...claims(alice), sub: "alice", access: [{ type: "repository", name: "myorg/app", actions: ["push"] }] })).toString("base64url")}.${sig}`;
    for (const value of ["Bearer", "Bearer ", "Bearer a b", "Basic " + Buffer.from("alice:alice-pw").toString("base64"), "Bearer " + "A".repeat(20_000), "Bearer " + "A".repeat(15_000), `Bearer ${forged}`, `Bearer ${alice}x`, "Bearer \u00ff\u00fe"]) {
      const r = await h.request("/v2/myorg/app/manifests/latest", { headers: { Authorization: value } });
      expect(r.status, value.slice(0, 30)).toBe(401);
      expect(r.headers.get("www-authenticate")).toContain('error="invalid_token"');
    }
    const huge = await h.request("/v2/", { headers: { Authorization: "Bearer " + "x.".repeat(200_000) } });
    expect(huge.status).toBe(401);
  });

  test("a cross-repository mount from a repository the caller may not read becomes a plain upload", async () => {
    const alice = await token("scope=repository:myorg/src:pull,push", basic("alice", "alice-pw"));
    const blob = blobOf(bytes("secret layer"));
    const up = await h.request(`/v2/myorg/src/blobs/uploads/?digest=${blob.digest}`, { method: "POST", headers: { ...OCTET, ...bearer(alice) }, body: blob.content });
    expect(up.status).toBe(201);
    const other = await token("scope=repository:myorg/dst:pull,push", basic("alice", "alice-pw"));
    const outside = await h.request(`/v2/myorg/dst/blobs/uploads/?mount=${blob.digest}&from=myorg/src`, { method: "POST", headers: bearer(other) });
    // The token names myorg/dst only: no pull on myorg/src in it, so no mount (202, an upload session), although the blob exists.
    expect(outside.status).toBe(202);
    const both = await h.request(`/token?service=regcache&scope=repository:myorg/dst:pull,push&scope=repository:myorg/src:pull`, { headers: basic("alice", "alice-pw") });
    const t = ((await both.json()) as { token: string }).token;
    const mounted = await h.request(`/v2/myorg/dst/blobs/uploads/?mount=${blob.digest}&from=myorg/src`, { method: "POST", headers: bearer(t) });
    expect(mounted.status).toBe(201);
  });

  test("the catalog is gated: admins with registry:catalog:*; a user 403; anonymous 401", async () => {
    const admin = await token("scope=registry:catalog:*", basic("alice", "alice-pw"));
    expect((await h.request("/v2/_catalog", { headers: bearer(admin) })).status).toBe(200);
    const bob = await token("scope=registry:catalog:*", basic("bob", "bob-pw"));
    expect((await h.request("/v2/_catalog", { headers: bearer(bob) })).status).toBe(403);
    const anon = await token("scope=registry:catalog:*");
    expect((await h.request("/v2/_catalog", { headers: bearer(anon) })).status).toBe(401);
  });

  test("password guessing: after 10 wrong passwords the user gets 429 with Retry-After, even with the right one", async () => {
    const attempt = (password: string) => h.request("/token?service=regcache", { headers: basic("carol", password) });
    for (let i = 0; i < 10; i++) expect((await attempt(`guess-${i}`)).status).toBe(401);
    for (const password of ["guess-11", "carol-pw"]) {
      const r = await attempt(password);
      expect(r.status).toBe(429);
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    // Other users are not affected; unknown names are not counted (nothing to guess).
    expect((await h.request("/token?service=regcache", { headers: basic("alice", "alice-pw") })).status).toBe(200);
    for (let i = 0; i < 12; i++) expect((await h.request("/token?service=regcache", { headers: basic("nobody", `x${i}`) })).status).toBe(401);
  });
});
