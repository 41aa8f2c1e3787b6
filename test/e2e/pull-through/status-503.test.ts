// Issue 3, item 3: the upstream answers every request 503 with a body of its own. Cached
// tags are served fresh or STALE; past staleness, and for anything never cached, regcache
// answers its own 503 naming the class. The upstream's body never reaches a client.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { skopeoCopy } from "../../helpers/clients.ts";
import { always503, SECRET_503_BODY, type Standin } from "../../helpers/standins.ts";
import { useTempDir } from "../../helpers/tmp.ts";
import { cacheThenFail, EXPIRY_MS, REPO, TTL_MS, type Outage, pullFreshByTagAndDigest } from "./outage.ts";
import { expectUpstreamError, get, nextRequestLine, sleepUntil } from "./setup.ts";

describe("upstream answering 503", () => {
  let standin: Standin;
  let o: Outage;

  beforeAll(async () => {
    standin = await always503();
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

  test("past ttl: the pull succeeds STALE, failure class http-5xx", async () => {
    await sleepUntil(o.confirmedBy, TTL_MS + 100);
    const line = nextRequestLine(o.regcache, `/v2/keep/${REPO}/manifests/v1`);
    await skopeoCopy(`docker://${o.regcache.host}/keep/${REPO}:v1`, `oci:${useTempDir()}:v1`);
    expect(standin.hits()).toBeGreaterThan(0);
    expect(await line()).toMatchObject({ status: 200, cache: "STALE", upstream_failure: "http-5xx" });
    const manifest = await get(o.regcache, `/v2/keep/${REPO}/manifests/v1`);
    expect(manifest.xCache).toBe("STALE");
    expect(manifest.body.toString()).toBe(o.image.manifest.bytes.toString());
  });

  test("past ttl + staleness, and never cached: regcache's own 503; the secret body is nowhere", async () => {
    await sleepUntil(o.confirmedBy, EXPIRY_MS + 200);
    const expired = await get(o.regcache, `/v2/gone/${REPO}/manifests/v1`);
    expectUpstreamError(expired, 503, "UPSTREAM_UNAVAILABLE", "gone", "http-5xx");
    const never = await get(o.regcache, `/v2/keep/${REPO}/manifests/never-pulled`);
    expectUpstreamError(never, 503, "UPSTREAM_UNAVAILABLE", "keep", "http-5xx");
    // A blob nobody cached goes to the upstream too, and fails the same way.
    const blob = await get(o.regcache, `/v2/keep/${REPO}/blobs/sha256:${"0".repeat(64)}`);
    expectUpstreamError(blob, 503, "UPSTREAM_UNAVAILABLE", "keep", "http-5xx");

    const failed = await skopeoCopy(`docker://${o.regcache.host}/gone/${REPO}:v1`, `oci:${useTempDir()}:v1`, { allowFailure: true });
    expect(failed.code).not.toBe(0);
    for (const seen of [expired.body.toString(), never.body.toString(), blob.body.toString(), failed.stdout, failed.stderr, ...o.regcache.lines()]) {
      expect(seen).not.toContain(SECRET_503_BODY);
    }
  });
});
