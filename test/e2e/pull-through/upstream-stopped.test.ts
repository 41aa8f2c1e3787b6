// Issue 3, item 2: the upstream is stopped (connection refused). Within ttl, pulls by tag
// and by digest succeed from the cache; past ttl but within staleness they succeed STALE;
// past ttl + staleness a pull by tag fails at once with an OCI error naming the upstream
// and the failure class. By digest, cached content is served forever.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPodman, pullToLayout, skopeoCopy } from "../../helpers/clients.ts";
import { makeImage, sha256, type GeneratedImage } from "../../helpers/oci-image.ts";
import { makeTempDir, useTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { get, nextRequestLine, ociErrors, seed, sleepUntil, upstreamToml } from "./setup.ts";

// Two names for the same upstream: "up" stays fresh for the whole file, "short" goes
// stale 2 s after the upstream last confirmed a tag and expires 4 s later.
const TTL_MS = 2_000;
const STALENESS_MS = 4_000;

describe("upstream stopped: connection refused", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let regcache: RegcacheProcess;
  let image: GeneratedImage;
  /** "short" last heard from the upstream about app/one:v1 between these two times. */
  let confirmed: number;
  let confirmedBy: number;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    image = makeImage({ layers: 2 });
    await seed(upstream, work.path, "app/one", { v1: image });
    regcache = await startRegcache({
      extraToml:
        upstreamToml({ name: "up", url: upstream.url, ttl: "1h" }) +
        upstreamToml({ name: "short", url: upstream.url, ttl: `${TTL_MS / 1000}s`, staleness: `${STALENESS_MS / 1000}s` }),
    });
    // Warm both names while the upstream is up, then take it away.
    await pullToLayout(`${regcache.host}/up/app/one:v1`, `${work.path}/warm-up`, "v1");
    confirmed = Date.now();
    await pullToLayout(`${regcache.host}/short/app/one:v1`, `${work.path}/warm-short`, "v1");
    confirmedBy = Date.now();
    await upstream.stop();
  });

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  test("within ttl: podman pulls by tag and skopeo by digest, both from the cache", async () => {
    const podman = createPodman({ dir: useTempDir(), mirrors: [{ location: upstream.host, mirrors: [`${regcache.host}/up`] }] });
    const byTag = nextRequestLine(regcache, "/v2/up/app/one/manifests/v1");
    await podman.pull(`${upstream.host}/app/one:v1`);
    expect(await podman.imageDigest(`${upstream.host}/app/one:v1`)).toBe(image.digests.manifest);
    expect((await byTag()).cache).toBe("HIT");

    const byDigest = nextRequestLine(regcache, `/v2/up/app/one/manifests/${image.digests.manifest}`);
    await skopeoCopy(`docker://${regcache.host}/up/app/one@${image.digests.manifest}`, `oci:${useTempDir()}:pinned`);
    expect((await byDigest()).cache).toBe("HIT");
  });

  test("past ttl, within staleness: the pull succeeds, STALE, with the failure class logged", async () => {
    await sleepUntil(confirmedBy, TTL_MS + 100);
    const podman = createPodman({ dir: useTempDir(), mirrors: [{ location: upstream.host, mirrors: [`${regcache.host}/short`] }] });
    const line = nextRequestLine(regcache, "/v2/short/app/one/manifests/v1");
    await podman.pull(`${upstream.host}/app/one:v1`);
    expect(await podman.imageDigest(`${upstream.host}/app/one:v1`)).toBe(image.digests.manifest);
    expect(await line()).toMatchObject({ status: 200, cache: "STALE", upstream_failure: "refused" });

    const manifest = await get(regcache, "/v2/short/app/one/manifests/v1");
    expect(manifest.status).toBe(200);
    expect(manifest.xCache).toBe("STALE");
    expect(sha256(manifest.body)).toBe(image.digests.manifest);
    // A STALE answer does not count as a confirmation: the tag keeps ageing.
    expect(Date.now() - confirmed).toBeLessThan(TTL_MS + STALENESS_MS);
  });

  test("past ttl + staleness: a clear 503 naming the upstream and the class, at once; by digest still served", async () => {
    await sleepUntil(confirmedBy, TTL_MS + STALENESS_MS + 200);
    const line = nextRequestLine(regcache, "/v2/short/app/one/manifests/v1");
    const answer = await get(regcache, "/v2/short/app/one/manifests/v1");
    expect(answer.status).toBe(503);
    expect(answer.ms).toBeLessThan(2_000);
    const [error] = ociErrors(answer);
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(error.message).toContain('"short"');
    expect(error.message).toContain("refused");
    expect(error.detail).toEqual({ upstream: "short", failure: "refused" });
    expect(await line()).toMatchObject({ status: 503, upstream_failure: "refused" });

    // The client fails at once with an outage, not a hang or a "manifest unknown".
    // (containers/image shows only the status of a 5xx, never its body.)
    const started = Date.now();
    const failed = await skopeoCopy(`docker://${regcache.host}/short/app/one:v1`, `oci:${useTempDir()}:v1`, { allowFailure: true });
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain("503 Service Unavailable");
    expect(failed.stderr).not.toMatch(/manifest unknown/i);
    expect(Date.now() - started).toBeLessThan(10_000);

    // Expiry never deletes content: by digest it is served without the upstream.
    const byDigest = await get(regcache, `/v2/short/app/one/manifests/${image.digests.manifest}`);
    expect(byDigest.status).toBe(200);
    expect(byDigest.xCache).toBe("HIT");
    await skopeoCopy(`docker://${regcache.host}/short/app/one@${image.digests.manifest}`, `oci:${useTempDir()}:pinned`);
  });
});
