import { describe, expect, it } from "vitest";
import { UpstreamError } from "./errors.ts";
import { clientFor, closedPort, failureOf, httpsServer, ociError, selfSignedCert, serversClosedAfterEach } from "../../test/helpers/test-servers.ts";

const { serve, keep } = serversClosedAfterEach();
const basic = (user: string, pw: string): string => `Basic ${Buffer.from(`${user}:${pw}`).toString("base64")}`;

/** A token service and a registry that accepts the tokens in `valid`. */
async function bearerPair(opts: { creds?: string; realmUrl?: string } = {}) {
  const state = { tokenRequests: [] as URL[], tokenAuth: [] as (string | undefined)[], registryAuth: [] as (string | undefined)[], valid: new Set<string>(), n: 0 };
  const auth = await serve((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    state.tokenRequests.push(url);
    state.tokenAuth.push(req.headers.authorization);
    if (opts.creds && req.headers.authorization !== opts.creds) return ociError(res, 401, "UNAUTHORIZED");
    const token = `tok-${++state.n}`;
    state.valid.add(token);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  const registry = await serve((req, res) => {
    state.registryAuth.push(req.headers.authorization);
    const token = req.headers.authorization?.replace(/^Bearer /, "");
    if (!token || !state.valid.has(token)) {
      const repo = /^\/v2\/(.+)\/(manifests|tags|blobs)\//.exec(req.url ?? "")?.[1];
      const realm = opts.realmUrl ?? `${auth.url}/token`;
      return ociError(res, 401, "UNAUTHORIZED", {
        "www-authenticate": `Bearer realm="${realm}",service="test-registry",scope="repository:${repo}:pull"`,
      });
    }
    if (req.url?.includes("/tags/list")) {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ name: "x", tags: ["a", "b"] }));
    }
    res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" });
    res.end("{}");
  });
  // The token service runs on 127.0.0.1 beside the registry: a different, internal origin, which only redirect_allow admits.
  const allow = [new URL(opts.realmUrl ?? auth.url).origin];
  return { auth, registry, state, allow };
}

describe("Bearer token flow", () => {
  it("fetches an anonymous token lazily, once per scope, and reuses it", async () => {
    const { registry, state, allow } = await bearerPair();
    const client = clientFor(registry.url, { redirectAllow: allow });
    expect(state.tokenRequests).toHaveLength(0); // nothing at creation time
    for (let i = 0; i < 3; i++) await client.manifest("library/app", "latest", "GET", []);
    expect((await client.tags("library/app")).tags).toEqual(["a", "b"]);
    expect(state.tokenRequests).toHaveLength(1);
    expect(state.tokenRequests[0].searchParams.get("service")).toBe("test-registry");
    expect(state.tokenRequests[0].searchParams.get("scope")).toBe("repository:library/app:pull");
    expect(state.tokenAuth[0]).toBeUndefined();
    // one anonymous 401, then every request carries the token
    expect(state.registryAuth).toEqual([undefined, "Bearer tok-1", "Bearer tok-1", "Bearer tok-1", "Bearer tok-1"]);

    await client.manifest("library/other", "latest", "HEAD", []);
    expect(state.tokenRequests).toHaveLength(2);
    expect(state.tokenRequests[1].searchParams.get("scope")).toBe("repository:library/other:pull");
    await client.close();
  });

  it("shares one token request among concurrent first requests", async () => {
    const { registry, state, allow } = await bearerPair();
    const client = clientFor(registry.url, { redirectAllow: allow });
    await Promise.all([1, 2, 3, 4].map(() => client.manifest("library/app", "latest", "HEAD", [])));
    expect(state.tokenRequests).toHaveLength(1);
    await client.close();
  });

  it("sends Basic credentials to the token service", async () => {
    const creds = basic("alice", "s3cret");
    const { registry, state, allow } = await bearerPair({ creds });
    const client = clientFor(registry.url, { redirectAllow: allow, username: "alice", password: "s3cret" });
    await client.manifest("library/app", "latest", "GET", []);
    expect(state.tokenAuth).toEqual([creds]);
    // the registry itself never sees the password
    expect(state.registryAuth.some((a) => a?.startsWith("Basic"))).toBe(false);
    await client.close();
  });

  it("reports rejected credentials as http-401/403 from the token service", async () => {
    const { registry, allow } = await bearerPair({ creds: basic("alice", "s3cret") });
    const client = clientFor(registry.url, { redirectAllow: allow, username: "alice", password: "wrong" });
    const err = await client.manifest("library/app", "latest", "GET", []).catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.failure).toBe("http-401/403");
    expect(err.message).toContain("token service");
    await client.close();
  });

  it("fetches a new token when the registry rejects a cached one", async () => {
    const { registry, state, allow } = await bearerPair();
    const client = clientFor(registry.url, { redirectAllow: allow });
    await client.manifest("library/app", "latest", "GET", []);
    state.valid.clear(); // revoked upstream before its expiry
    await client.manifest("library/app", "latest", "GET", []);
    expect(state.tokenRequests).toHaveLength(2);
    expect(state.registryAuth.slice(-2)).toEqual(["Bearer tok-1", "Bearer tok-2"]);
    await client.close();
  });

  it("gives up after one auth attempt", async () => {
    const { registry, state, allow } = await bearerPair();
    const client = clientFor(registry.url, { redirectAllow: allow });
    state.valid.add = () => state.valid; // the token service hands out tokens the registry refuses
    const err = await client.manifest("library/app", "latest", "GET", []).catch((e) => e);
    expect(err.failure).toBe("http-401/403");
    expect(err.status).toBe(401);
    expect(state.tokenRequests).toHaveLength(1);
    expect(state.registryAuth).toHaveLength(2);
    await client.close();
  });

  it("treats an unreachable token service as an upstream failure", async () => {
    const { registry, allow } = await bearerPair({ realmUrl: `http://127.0.0.1:${await closedPort()}/token` });
    const client = clientFor(registry.url, { redirectAllow: allow });
    const err = await client.manifest("library/app", "latest", "GET", []).catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.failure).toBe("refused");
    await client.close();
  });

  it("classifies a failing token service like any other response", async () => {
    const failing = await serve((_req, res) => ociError(res, 503, "UNAVAILABLE"));
    const { registry, allow } = await bearerPair({ realmUrl: `${failing.url}/token` });
    const client = clientFor(registry.url, { redirectAllow: allow });
    const err = await client.manifest("library/app", "latest", "GET", []).catch((e) => e);
    expect([err.failure, err.status]).toEqual(["http-5xx", 503]);
    await client.close();
  });

  it("rejects a token response without a token", async () => {
    const empty = await serve((_req, res) => res.end("{}"));
    const { registry, allow } = await bearerPair({ realmUrl: `${empty.url}/token` });
    const client = clientFor(registry.url, { redirectAllow: allow });
    const err = await client.manifest("library/app", "latest", "GET", []).catch((e) => e);
    expect(err.failure).toBe("invalid-response");
    await client.close();
  });
});

describe("Basic auth", () => {
  async function basicRegistry() {
    const seen: (string | undefined)[] = [];
    const registry = await serve((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization !== basic("bob", "pw")) {
        return ociError(res, 401, "UNAUTHORIZED", { "www-authenticate": 'Basic realm="Registry Realm"' });
      }
      res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" });
      res.end("{}");
    });
    return { registry, seen };
  }

  it("answers a Basic challenge, then sends credentials up front", async () => {
    const { registry, seen } = await basicRegistry();
    const client = clientFor(registry.url, { username: "bob", password: "pw" });
    await client.manifest("a", "latest", "GET", []);
    await client.manifest("a", "latest", "GET", []);
    expect(seen).toEqual([undefined, basic("bob", "pw"), basic("bob", "pw")]);
    await client.close();
  });

  it("fails with http-401/403 without credentials or with wrong ones", async () => {
    const { registry, seen } = await basicRegistry();
    const anon = clientFor(registry.url);
    expect((await anon.manifest("a", "latest", "GET", []).catch((e) => e)).failure).toBe("http-401/403");
    const wrong = clientFor(registry.url, { username: "bob", password: "nope" });
    expect((await wrong.manifest("a", "latest", "GET", []).catch((e) => e)).failure).toBe("http-401/403");
    expect(seen).toHaveLength(3); // anon: 1 request; wrong: one retry with credentials
    await Promise.all([anon.close(), wrong.close()]);
  });

  it("does not try to authenticate on a 403", async () => {
    let requests = 0;
    const registry = await serve((_req, res) => {
      requests++;
      ociError(res, 403, "DENIED", { "www-authenticate": 'Basic realm="x"' });
    });
    const client = clientFor(registry.url, { username: "bob", password: "pw" });
    const err = await client.manifest("a", "latest", "GET", []).catch((e) => e);
    expect([err.failure, err.status, requests]).toEqual(["http-401/403", 403, 1]);
    await client.close();
  });
});

describe("token realms that lead into the site", () => {
  it("refuses a realm at another loopback origin, and sends it nothing", async () => {
    const { registry, state } = await bearerPair({ creds: basic("alice", "s3cret") });
    const client = clientFor(registry.url, { username: "alice", password: "s3cret" });
    const err = await client.manifest("library/app", "latest", "GET", []).catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.failure).toBe("invalid-response");
    expect(err.message).toMatch(/loopback address 127\.0\.0\.1/);
    expect(state.tokenRequests).toHaveLength(0);
    await client.close();
  });

  it("refuses a plain-HTTP realm when the upstream is not insecure, even an allowed origin", async () => {
    const tokenHits: string[] = [];
    const tokens = await serve((req, res) => {
      tokenHits.push(req.url ?? "");
      res.end(JSON.stringify({ token: "t1" }));
    });
    const cert = selfSignedCert();
    const registry = await keep(
      await httpsServer(cert, (_req, res) => ociError(res, 401, "UNAUTHORIZED", { "www-authenticate": `Bearer realm="${tokens.url}/token"` })),
    );
    const client = clientFor(registry.url, { insecure: false, caPem: cert.cert, username: "alice", password: "s3cret", redirectAllow: [tokens.url] });
    const err = await failureOf(client.manifest("a", "latest", "GET", []));
    expect(err.failure).toBe("invalid-response");
    expect(err.message).toContain("refusing http: URL");
    expect(tokenHits).toEqual([]);
    await client.close();
  });

  it("accepts a lower-case bearer scheme (schemes are case-insensitive)", async () => {
    const seen: string[] = [];
    const tokens = await serve((_req, res) => res.end(JSON.stringify({ token: "t1" })));
    const registry = await serve((req, res) => {
      seen.push(req.headers.authorization ?? "-");
      if (req.headers.authorization !== "Bearer t1") return ociError(res, 401, "UNAUTHORIZED", { "www-authenticate": `bearer realm="${tokens.url}/token"` });
      res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" });
      res.end("{}");
    });
    const client = clientFor(registry.url, { redirectAllow: [tokens.url] });
    expect((await client.manifest("a", "latest", "GET", [])).status).toBe(200);
    expect(seen).toEqual(["-", "Bearer t1"]);
    await client.close();
  });
});
