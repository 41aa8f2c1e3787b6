// Item 2 of issue 10: an upstream that redirects a pull into the site. The
// stand-in answers GETs with 302 to a second server on 127.0.0.1 (another
// origin, like an admin page or a metadata service); regcache must refuse it
// with 502 UPSTREAM_INVALID naming the upstream and `invalid-response`, and
// never connect to it, unless the upstream's redirect_allow lists that origin.
import { afterAll, beforeAll, expect, test } from "vitest";
import { INTERNAL_SECRET } from "../../helpers/hostile-upstream.ts";
import { expectUpstreamError, get } from "../pull-through/setup.ts";
import { hostileUpstreamToml, startHostileSite, type HostileSite } from "./setup.ts";

let site: HostileSite;

beforeAll(async () => {
  // "allowing" is the same stand-in, with the internal server's origin in redirect_allow.
  site = await startHostileSite({ extraToml: (h) => hostileUpstreamToml("allowing", h.url, [`redirect_allow = [${JSON.stringify(h.internalUrl)}]`]) });
});
afterAll(async () => site?.stop());

const layer = () => site.hostile.image.digests.layers[0]!;

test("a blob redirect to another loopback origin: 502, and the internal server is never reached", async () => {
  const answer = await get(site.regcache, `/v2/hostile/redirect-internal/app/blobs/${layer()}`);
  expectUpstreamError(answer, 502, "UPSTREAM_INVALID", "hostile", "invalid-response");
  expect(answer.body.toString()).not.toContain("site-internal");
  expect(site.hostile.internalRequests).toEqual([]);
});

test("a manifest redirect into the site is refused the same way", async () => {
  const answer = await get(site.regcache, `/v2/hostile/redirect-internal/app/manifests/latest`);
  expectUpstreamError(answer, 502, "UPSTREAM_INVALID", "hostile", "invalid-response");
  expect(site.hostile.internalRequests).toEqual([]);
});

test("a DNS name that resolves to loopback is judged by the address connected to", async () => {
  const answer = await get(site.regcache, `/v2/hostile/redirect-localhost/app/blobs/${layer()}`);
  const error = expectUpstreamError(answer, 502, "UPSTREAM_INVALID", "hostile", "invalid-response");
  expect(error.message).toMatch(/loopback address/);
  expect(site.hostile.internalRequests).toEqual([]);
});

test("an origin listed in redirect_allow is followed", async () => {
  // The config blob, which no other test here asks for, so what is counted is this request alone.
  const config = site.hostile.image.digests.config;
  const answer = await get(site.regcache, `/v2/allowing/redirect-internal/app/blobs/${config}`);
  expect(answer.status, answer.body.toString()).toBe(200);
  expect(answer.body.equals(site.hostile.image.config.bytes)).toBe(true);
  expect(answer.body.toString()).not.toContain(INTERNAL_SECRET);
  expect(site.hostile.internalRequests.map((r) => r.url)).toEqual([`/blobs/${config}`]);
});
