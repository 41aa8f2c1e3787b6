// Issue 3, item 3: the upstream rate-limits every request (429 with Retry-After). Cached
// tags are served STALE; past staleness, and for anything never cached, the client gets a
// 429 with Retry-After of its own. regcache honours Retry-After: until it has passed, it
// does not ask the upstream again.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { skopeoCopy } from "../../helpers/clients.ts";
import { always429, SECRET_429_BODY, type Standin } from "../../helpers/standins.ts";
import { useTempDir } from "../../helpers/tmp.ts";
import { cacheThenFail, EXPIRY_MS, REPO, TTL_MS, type Outage, pullFreshByTagAndDigest } from "./outage.ts";
import { expectUpstreamError, get, nextRequestLine, sleepUntil } from "./setup.ts";

const RETRY_AFTER_S = 30;

describe("upstream answering 429 with Retry-After", () => {
  let standin: Standin;
  let o: Outage;

  beforeAll(async () => {
    standin = await always429(RETRY_AFTER_S);
    o = await cacheThenFail(standin.url);
  });

  afterAll(async () => {
    await o?.dispose();
    await standin?.stop();
  });

  test("within ttl: by tag and by digest from the cache, the upstream not asked", async () => {
    await pullFreshByTagAndDigest(o);
    expect(standin.hits()).toBe(0);
  });

  test("past ttl: the pull succeeds STALE, failure class http-429", async () => {
    await sleepUntil(o.confirmedBy, TTL_MS + 100);
    const line = nextRequestLine(o.regcache, `/v2/keep/${REPO}/manifests/v1`);
    await skopeoCopy(`docker://${o.regcache.host}/keep/${REPO}:v1`, `oci:${useTempDir()}:v1`);
    expect(standin.hits()).toBe(1);
    expect(await line()).toMatchObject({ status: 200, cache: "STALE", upstream_failure: "http-429" });
  });

  test("past ttl + staleness, and never cached: 429 with Retry-After; the upstream is left alone meanwhile", async () => {
    await sleepUntil(o.confirmedBy, EXPIRY_MS + 200);
    const hitsBefore = standin.hits();
    const expired = await get(o.regcache, `/v2/gone/${REPO}/manifests/v1`);
    expectUpstreamError(expired, 429, "TOO_MANY_REQUESTS", "gone", "http-429");
    const never = await get(o.regcache, `/v2/keep/${REPO}/manifests/never-pulled`);
    expectUpstreamError(never, 429, "TOO_MANY_REQUESTS", "keep", "http-429");
    // "keep" was told to wait 30 s a moment ago: the rest of that wait, not asked again.
    const retryAfter = Number(never.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(RETRY_AFTER_S);
    expect(Number(expired.headers.get("retry-after"))).toBeGreaterThan(0);
    // "gone" asked once and got its own 30 s; "keep" did not ask at all.
    expect(standin.hits()).toBe(hitsBefore + 1);

    // (No skopeo here: containers/image sleeps for each Retry-After, five times over.)
    for (const seen of [expired.body.toString(), never.body.toString(), ...o.regcache.lines()]) {
      expect(seen).not.toContain(SECRET_429_BODY);
    }
  });
});
