// Item 9 of issue 10 (and the lower-case scheme of item 13): token realms.
// A Bearer challenge whose realm is another origin inside the site (the
// internal server, or regcache's own admin API) must not be fetched, so the
// configured credentials never go there; a realm on the upstream's own origin
// is fine, whatever the case of the scheme.
import { afterAll, beforeAll, expect, test } from "vitest";
import { expectUpstreamError, get } from "../pull-through/setup.ts";
import { startHostileSite, type HostileSite } from "./setup.ts";

let site: HostileSite;

beforeAll(async () => {
  site = await startHostileSite({ credentials: true });
});
afterAll(async () => site?.stop());

test("a realm on another loopback origin: 502, and the credentials are never sent there", async () => {
  const answer = await get(site.regcache, "/v2/hostile/realm-loopback/app/manifests/latest");
  const error = expectUpstreamError(answer, 502, "UPSTREAM_INVALID", "hostile", "invalid-response");
  expect(error.message).toContain(site.hostile.internalUrl);
  expect(site.hostile.internalRequests).toEqual([]);
});

test("a realm pointing at regcache's own admin API is not fetched", async () => {
  site.hostile.settings.realm = `${site.regcache.url}/api/v1/prefetch/sweep`;
  const answer = await get(site.regcache, "/v2/hostile/realm-at/app/manifests/latest");
  expectUpstreamError(answer, 502, "UPSTREAM_INVALID", "hostile", "invalid-response");
  // The request log lists every request regcache answered: none reached its admin API.
  expect(site.regcache.logs().filter((l) => l.msg === "request" && String(l.path).startsWith("/api/"))).toEqual([]);
});

test("a lower-case bearer challenge with a realm on the upstream itself is answered", async () => {
  const answer = await get(site.regcache, "/v2/hostile/bearer-lowercase/app/manifests/latest");
  expect(answer.status).toBe(200);
  expect(answer.headers.get("docker-content-digest")).toBe(site.hostile.image.digests.manifest);
  const token = site.hostile.requests.find((r) => r.url.startsWith("/token"));
  // Same origin as the configured url: the credentials may go there.
  expect(token?.authorization).toBe(`Basic ${Buffer.from("site-user:site-password").toString("base64")}`);
});
