// Issue 4, items 1 and 2: a client that fetches only the manifest and the config (as
// one that has every layer would) leaves regcache with the whole image within seconds,
// so that podman pulls it with an empty store after the upstream is gone. For a
// two-platform index, both platforms are cached by default, or only the configured one.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPodman } from "../../helpers/clients.ts";
import { makeImage, makeIndex, type GeneratedImage, type GeneratedIndex } from "../../helpers/oci-image.ts";
import { makeTempDir, useTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { clientRequests, fetchOk, images, isStored, prefetchToml, seed, sleep, upstreamToml, waitFor } from "./setup.ts";

describe("every layer cached after a manifest-and-config pull", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let regcache: RegcacheProcess;
  let image: GeneratedImage;
  let index: GeneratedIndex;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    image = makeImage({ layers: 4, layerSize: 256 * 1024 });
    index = makeIndex({ layers: 2, layerSize: 128 * 1024 });
    await seed(upstream, work.path, "team/app", { v1: image });
    await seed(upstream, work.path, "team/multi", { v1: index });
    // Two names for the same upstream: one keeps every platform, one only linux/arm64.
    regcache = await startRegcache({ extraToml: prefetchToml() + upstreamToml("up", upstream.url) + upstreamToml("arm", upstream.url, `platforms = ["linux/arm64"]`) });
  });

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  test("layers arrive with no further client request; podman pulls it after the upstream stopped", async () => {
    upstream.resetAccessLog();
    const before = clientRequests(regcache, "/v2/up/team/app/").length;
    await fetchOk(regcache, "/v2/up/team/app/manifests/v1");
    await fetchOk(regcache, `/v2/up/team/app/blobs/${image.digests.config}`);

    const took = await waitFor("every layer in the store", () => image.digests.layers.every((d) => isStored(regcache, d)), 10_000);
    expect(took).toBeLessThan(10_000);
    // Only the client's two requests reached regcache; the layers came from the prefetcher.
    expect(clientRequests(regcache, "/v2/up/team/app/").slice(before)).toEqual([`GET /v2/up/team/app/manifests/v1`, `GET /v2/up/team/app/blobs/${image.digests.config}`]);
    for (const d of [image.digests.config, ...image.digests.layers]) expect(upstream.countRequests({ method: "GET", path: `/v2/team/app/blobs/${d}` })).toBe(1);
    // A file appears in the store at its rename, a moment before the download is recorded
    // in SQLite (after the directory fsync): wait for the record, which completeness reads.
    const imageOf = async () => (await images(regcache)).find((i) => i.repository === "up/team/app");
    await waitFor("the image recorded complete", async () => (await imageOf())?.complete === true, 5_000);
    expect(await imageOf()).toMatchObject({ tag: "v1", complete: true, missing_bytes: 0 });

    await upstream.stop();
    try {
      const podman = createPodman({ dir: useTempDir(), mirrors: [{ location: upstream.host, mirrors: [`${regcache.host}/up`] }] });
      await podman.pull(`${upstream.host}/team/app:v1`);
      expect(await podman.imageDigest(`${upstream.host}/team/app:v1`)).toBe(image.digests.manifest);
    } finally {
      await upstream.restart();
    }
  });

  test("a two-platform index: both platforms by default, only the configured one with `platforms`", async () => {
    const [amd, arm] = index.images;
    const blobsOf = (i: GeneratedImage) => [i.digests.config, ...i.digests.layers];
    upstream.resetAccessLog();
    await fetchOk(regcache, "/v2/up/team/multi/manifests/v1");
    await waitFor("both platforms in the store", () => [...blobsOf(amd!), ...blobsOf(arm!)].every((d) => isStored(regcache, d)), 10_000);
    await waitFor("the index complete", async () => (await images(regcache)).some((i) => i.repository === "up/team/multi" && i.complete), 5_000);

    // A fresh repository under "arm" (platforms = ["linux/arm64"]); its blobs are the same
    // digests, so the check is on what "arm" asked its upstream for.
    upstream.resetAccessLog();
    await fetchOk(regcache, "/v2/arm/team/multi/manifests/v1");
    await waitFor("arm's index complete", async () => (await images(regcache)).some((i) => i.repository === "arm/team/multi" && i.complete), 10_000);
    await sleep(1_000); // nothing for amd64 may trail in
    expect(upstream.countRequests({ method: "GET", path: `/v2/team/multi/manifests/${arm!.digests.manifest}` })).toBe(1);
    expect(upstream.countRequests({ path: `/v2/team/multi/manifests/${amd!.digests.manifest}` })).toBe(0);
    const row = (await images(regcache)).find((i) => i.repository === "arm/team/multi")!;
    expect(row.total_bytes).toBe(blobsOf(arm!).reduce((n, d) => n + [arm!.config, ...arm!.layers].find((b) => b.descriptor.digest === d)!.descriptor.size, 0));
  });
});
