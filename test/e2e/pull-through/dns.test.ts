// Issue 3, item 3: the upstream's host name does not resolve (a *.invalid name goes to the
// machine's resolver, so this file makes only a handful of lookups). Cached tags are served
// fresh or STALE; past staleness, and for anything never cached, a 503 naming the class.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { skopeoCopy } from "../../helpers/clients.ts";
import { useTempDir } from "../../helpers/tmp.ts";
import { cacheThenFail, EXPIRY_MS, REPO, TTL_MS, type Outage, pullFreshByTagAndDigest } from "./outage.ts";
import { expectUpstreamError, get, nextRequestLine, sleepUntil } from "./setup.ts";

describe("unresolvable upstream host", () => {
  let o: Outage;

  beforeAll(async () => {
    o = await cacheThenFail("http://regcache-test.invalid:5000");
  });

  afterAll(async () => {
    await o?.dispose();
  });

  test("within ttl: by tag and by digest from the cache, no lookup needed", async () => {
    const line = nextRequestLine(o.regcache, `/v2/fresh/${REPO}/manifests/v1`);
    await pullFreshByTagAndDigest(o);
    expect((await line()).cache).toBe("HIT");
    // Nothing tried to reach the upstream: no failure was logged.
    expect(o.regcache.logs().filter((l) => l.upstream_failure)).toEqual([]);
  });

  test("past ttl: the pull succeeds STALE, failure class dns", async () => {
    await sleepUntil(o.confirmedBy, TTL_MS + 100);
    const line = nextRequestLine(o.regcache, `/v2/keep/${REPO}/manifests/v1`);
    await skopeoCopy(`docker://${o.regcache.host}/keep/${REPO}:v1`, `oci:${useTempDir()}:v1`);
    expect(await line()).toMatchObject({ status: 200, cache: "STALE", upstream_failure: "dns" });
  });

  test("past ttl + staleness, and never cached: 503 UPSTREAM_UNAVAILABLE naming dns", async () => {
    await sleepUntil(o.confirmedBy, EXPIRY_MS + 200);
    const expired = await get(o.regcache, `/v2/gone/${REPO}/manifests/v1`);
    expectUpstreamError(expired, 503, "UPSTREAM_UNAVAILABLE", "gone", "dns");
    const never = await get(o.regcache, `/v2/keep/${REPO}/manifests/never-pulled`);
    expectUpstreamError(never, 503, "UPSTREAM_UNAVAILABLE", "keep", "dns");
    // By digest the expired image is still there.
    expect((await get(o.regcache, `/v2/gone/${REPO}/manifests/${o.image.digests.manifest}`)).status).toBe(200);
  });
});
