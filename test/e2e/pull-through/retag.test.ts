// Issue 3, item 4: the upstream moves `:latest` to a new image. Within ttl the cache keeps
// serving the old digest without asking; after ttl one HEAD finds the new digest and the
// next pull gets the new image (MISS). Had the tag not moved, the HEAD alone would have
// renewed it (REVALIDATED). The old image stays pullable by digest.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPodman, type Podman } from "../../helpers/clients.ts";
import { makeImage, sha256, type GeneratedImage } from "../../helpers/oci-image.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { get, nextRequestLine, seed, sleepUntil, upstreamToml } from "./setup.ts";

const TTL_MS = 3_000;
const MANIFEST = "/v2/app/web/manifests/latest";

describe("upstream retags :latest", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let regcache: RegcacheProcess;
  let podman: Podman;
  let first: GeneratedImage;
  let second: GeneratedImage;
  const ref = () => `${upstream.host}/app/web:latest`;
  /** When the upstream last confirmed the tag (taken after the confirming request). */
  let confirmedBy = 0;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    first = makeImage({ layers: 2 });
    second = makeImage({ layers: 2 });
    await seed(upstream, work.path, "app/web", { latest: first });
    regcache = await startRegcache({ extraToml: upstreamToml({ name: "up", url: upstream.url, ttl: `${TTL_MS / 1000}s` }) });
    podman = createPodman({ dir: `${work.path}/podman`, mirrors: [{ location: upstream.host, mirrors: [`${regcache.host}/up`] }] });
  });

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  test("the first pull fetches the current image (MISS)", async () => {
    const line = nextRequestLine(regcache, "/v2/up/app/web/manifests/latest");
    await podman.pull(ref());
    confirmedBy = Date.now();
    expect(await podman.imageDigest(ref())).toBe(first.digests.manifest);
    expect((await line()).cache).toBe("MISS");
  });

  test("after ttl, an unchanged tag is renewed by one HEAD (REVALIDATED)", async () => {
    await sleepUntil(confirmedBy, TTL_MS + 100);
    upstream.resetAccessLog();
    const answer = await get(regcache, "/v2/up/app/web/manifests/latest");
    confirmedBy = Date.now();
    expect(answer.xCache).toBe("REVALIDATED");
    expect(sha256(answer.body)).toBe(first.digests.manifest);
    await upstream.waitForRequests({ method: "HEAD", path: MANIFEST }, 1);
    expect(upstream.countRequests({ method: "GET", path: MANIFEST })).toBe(0);
  });

  test("the upstream retags; within ttl the cache still serves the old digest without asking", async () => {
    await seed(upstream, work.path, "app/web", { latest: second });
    upstream.resetAccessLog();
    const answer = await get(regcache, "/v2/up/app/web/manifests/latest");
    expect(Date.now() - confirmedBy, "the retag took longer than the ttl").toBeLessThan(TTL_MS);
    expect(answer.xCache).toBe("HIT");
    expect(sha256(answer.body)).toBe(first.digests.manifest);
    expect(upstream.accessLog()).toEqual([]);
  });

  test("after ttl, the next pull gets the new digest (MISS), then HIT; the old one stays by digest", async () => {
    await sleepUntil(confirmedBy, TTL_MS + 100);
    upstream.resetAccessLog();
    const line = nextRequestLine(regcache, "/v2/up/app/web/manifests/latest");
    await podman.pull(ref());
    expect(await podman.imageDigest(ref())).toBe(second.digests.manifest);
    expect((await line()).cache).toBe("MISS");
    // One HEAD saw the new digest, one GET fetched it, and the new blobs came once each.
    await upstream.waitForRequests({ method: "GET", path: /\/blobs\// }, 3);
    expect(upstream.countRequests({ method: "HEAD", path: MANIFEST })).toBe(1);
    expect(upstream.countRequests({ method: "GET", path: MANIFEST })).toBe(1);
    for (const digest of [second.digests.config, ...second.digests.layers]) {
      expect(upstream.countRequests({ method: "GET", path: `/v2/app/web/blobs/${digest}` })).toBe(1);
    }

    const again = await get(regcache, "/v2/up/app/web/manifests/latest");
    expect(again.xCache).toBe("HIT");
    expect(sha256(again.body)).toBe(second.digests.manifest);
    const old = await get(regcache, `/v2/up/app/web/manifests/${first.digests.manifest}`);
    expect(old.status).toBe(200);
    expect(old.xCache).toBe("HIT");
  });
});
