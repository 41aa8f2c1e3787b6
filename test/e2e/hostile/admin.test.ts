// Item 8 of issue 10: the admin API behind a proxy and in a browser. With
// server.trusted_proxies, a request from the proxy is judged by its
// X-Forwarded-For; another site's Origin is refused; writes need
// Content-Type: application/json; without a token, Host must be loopback.
import { afterAll, beforeAll, expect, test } from "vitest";
import { rawRequest } from "../../helpers/raw-http.ts";
import { pushBlob } from "../oci-http.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";

let regcache: RegcacheProcess;

beforeAll(async () => {
  // The test itself plays the same-host TLS terminator: it connects from 127.0.0.1.
  regcache = await startRegcache({ serverToml: `trusted_proxies = ["127.0.0.1/32"]` });
  // A policy's namespace must hold a repository.
  await pushBlob(regcache.url, "myorg/app", new Uint8Array([1, 2, 3]));
});
afterAll(async () => regcache?.dispose());

const POLICIES = "/api/v1/organization/myorg/immutabilitypolicy/";
const policy = JSON.stringify({ tagPattern: "^v.*$", tagPatternMatches: true });
const call = (path: string, headers: Record<string, string> = {}, method = "GET", body?: string) =>
  fetch(`${regcache.url}${path}`, { method, headers, body });

test("a local client straight to regcache may read and write", async () => {
  expect((await call(POLICIES)).status).toBe(200);
  const created = await call(POLICIES, { "content-type": "application/json" }, "POST", policy);
  expect(created.status).toBeLessThan(300);
});

test("a remote client behind the trusted proxy is not loopback", async () => {
  const r = await call(POLICIES, { "x-forwarded-for": "203.0.113.7" });
  expect(r.status).toBe(403);
  // Nor can it claim loopback by sending the header itself: the proxy appends its own peer.
  expect((await call(POLICIES, { "x-forwarded-for": "127.0.0.1, 203.0.113.7" })).status).toBe(403);
  expect((await call(POLICIES, { "x-forwarded-for": "127.0.0.1" })).status).toBe(200);
});

test("a cross-site form post is refused: by its Origin, and by its Content-Type", async () => {
  const before = ((await (await call(POLICIES)).json()) as { policies: unknown[] }).policies.length;
  expect((await call(POLICIES, { origin: "http://evil.example", "content-type": "text/plain" }, "POST", policy)).status).toBe(403);
  expect((await call(POLICIES, { origin: "http://evil.example", "content-type": "application/json" }, "POST", policy)).status).toBe(403);
  expect((await call(POLICIES, { "content-type": "text/plain" }, "POST", policy)).status).toBe(415);
  expect((await call(POLICIES, { "content-type": "application/x-www-form-urlencoded" }, "POST", "a=b")).status).toBe(415);
  expect(((await (await call(POLICIES)).json()) as { policies: unknown[] }).policies.length).toBe(before);
  // Its own origin is fine.
  expect((await call(POLICIES, { origin: regcache.url })).status).toBe(200);
});

test("DNS rebinding: a Host that is not loopback is refused without a token", async () => {
  const rebound = await rawRequest(regcache.port, `GET ${POLICIES} HTTP/1.1\r\nHost: evil.example:${regcache.port}\r\nConnection: close`);
  expect(rebound.status).toBe(403);
  const local = await rawRequest(regcache.port, `GET ${POLICIES} HTTP/1.1\r\nHost: localhost:${regcache.port}\r\nConnection: close`);
  expect(local.status).toBe(200);
  // The registry API does not care about Host.
  expect((await rawRequest(regcache.port, `GET /v2/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close`)).status).toBe(200);
});
