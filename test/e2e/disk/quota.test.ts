// Issue 11, item 1: with storage.max_size a little more than three images, podman
// pulling six images through regcache (Debian's docker-registry as the upstream) keeps
// the store under the limit at every moment (sampled), evicts the least recently
// pulled, never an immutable-tagged, prefetch-listed or local image, and the evicted
// images pull again from the upstream.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPodman, pushLayout, type Podman } from "../../helpers/clients.ts";
import { makeImage, writeOciLayout, type GeneratedImage } from "../../helpers/oci-image.ts";
import { makeTempDir, useTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { regcacheCommand, startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { runCommand } from "../../helpers/processes.ts";
import { api, prefetchToml, seed, upstreamToml, waitFor } from "../prefetch/setup.ts";
import { du, imageBytes, sampleStore, waitUntilIdle } from "./setup.ts";

const EVICTABLE = ["img1", "img2", "img3", "img4", "img5", "img6"];

describe("quota: max_size with podman pulling through", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let regcache: RegcacheProcess;
  let podman: Podman;
  const images = new Map<string, GeneratedImage>();
  let maxSize = 0;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    for (const name of [...EVICTABLE, "pinned", "listed", "local"]) images.set(name, makeImage({ layers: 2, layerSize: 256 * 1024 }));
    for (const name of [...EVICTABLE, "pinned", "listed"]) await seed(upstream, work.path, `team/${name}`, { "1": images.get(name)! });
    const size = Math.max(...[...images.values()].map(imageBytes));
    // Three pinned images (immutable, prefetch-listed, local) and room for three and a half more.
    // low_water at six images: a download's chunk can be a whole layer, so eviction that stops
    // lower could take a second image for the chunk that crossed; this keeps one per crossing.
    maxSize = Math.round(6.5 * size);
    const lowWater = 6 * size;
    regcache = await startRegcache({
      extraToml:
        `max_size = "${maxSize}B"\nlow_water = "${lowWater}B"\nmin_free = "0"\ngc_schedule = ""\n` +
        prefetchToml({ complete_on_pull: false }) +
        `[[prefetch.image]]\nref = "up/team/listed:1"\nschedule = "0 3 1 1 *"\n` +
        upstreamToml("up", upstream.url),
    });
    podman = createPodman({ dir: `${work.path}/podman`, mirrors: [{ location: upstream.host, mirrors: [`${regcache.host}/up`] }] });
  }, 120_000);

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  /** podman pulls through regcache; the image must then be stored in regcache (podman would fall back to the upstream silently). */
  const pull = async (name: string) => {
    await podman.pull(`${upstream.host}/team/${name}:1`);
    expect(await podman.imageDigest(`${upstream.host}/team/${name}:1`)).toBe(images.get(name)!.digests.manifest);
    await waitFor(`up/team/${name} stored in regcache`, async () => (await du(regcache)).upstreams[0]?.repositories.some((r) => r.name === `up/team/${name}` && r.bytes === imageBytes(images.get(name)!)) ?? false, 10_000);
    await podman.rmi(`${upstream.host}/team/${name}:1`);
  };
  const stored = async () => (await du(regcache)).upstreams[0]!.repositories.filter((r) => r.images > 0).map((r) => r.name.slice("up/team/".length));
  const evictionLines = () => regcache.logs().filter((l) => l.msg === "evicted cached images");

  test("the store stays under max_size while six images are pulled; the least recently pulled go, pinned ones never", async () => {
    const layout = `${work.path}/local-layout`;
    await writeOciLayout(layout, { "1": images.get("local")! });
    await pushLayout(layout, "1", `${regcache.host}/myorg/local:1`);
    expect((await api<{ uuid: string }>(regcache, "/repository/up/team/pinned/immutabilitypolicy/", { method: "POST", body: JSON.stringify({ tagPattern: ".*" }) })).uuid).toBeTruthy();

    const sampler = sampleStore(regcache.storageDir);
    try {
      for (const name of ["pinned", "listed", "img1", "img2", "img3"]) await pull(name);
      expect(evictionLines()).toEqual([]);
      // img1 is pulled again: img2 is now the least recently pulled.
      await pull("img1");
      // Served manifests and blobs are leased for a few seconds: wait until nothing is in use,
      // so that what goes is decided by pull times alone.
      await waitUntilIdle(regcache);
      await pull("img4");
      await waitUntilIdle(regcache);
      await pull("img5");
      await waitUntilIdle(regcache);
      await pull("img6");
    } finally {
      sampler.stop();
    }
    expect(sampler.samples).toBeGreaterThan(50);
    expect(sampler.max).toBeLessThanOrEqual(maxSize);
    const evicted = evictionLines().flatMap((l) => (l.images as string[]).map((i) => i.split("@")[0]!.slice("up/team/".length)));
    expect(evicted, JSON.stringify(evictionLines())).toEqual(["img2", "img3", "img1"]);
    expect(evictionLines().every((l) => l.reason === "quota")).toBe(true);
    expect((await stored()).sort()).toEqual(["img4", "img5", "img6", "listed", "pinned"]);
    const report = await du(regcache);
    expect(report.local.repositories.map((r) => r.name)).toEqual(["myorg/local"]);
    expect(report.store.used_bytes).toBeLessThanOrEqual(maxSize);
    expect(report.store.pinned_bytes).toBe(imageBytes(images.get("pinned")!) + imageBytes(images.get("listed")!) + imageBytes(images.get("local")!));
    const metrics = await (await fetch(`${regcache.url}/metrics`)).text();
    expect(metrics).toMatch(/regcache_evictions_total\{reason="quota"\} 3/);
    // The operator's view: `regcache du` (human-readable and --json) through the admin API.
    const [cmd, args] = regcacheCommand("binary", ["du", "--server", regcache.url]);
    const human = await runCommand(cmd, args);
    expect(human.stdout).toMatch(/^store {6}\d/);
    expect(human.stdout).toMatch(/up\/team\/pinned/);
    expect(human.stdout).toMatch(/local repositories/);
    const json = JSON.parse((await runCommand(cmd, [...args, "--json"])).stdout) as { quota: { max_size_bytes: number } };
    expect(json.quota.max_size_bytes).toBe(maxSize);
    expect((await runCommand(cmd, [...args, "extra"], { allowFailure: true })).code).toBe(2);
    expect((await runCommand(cmd, ["du", "--server", "http://127.0.0.1:9"], { allowFailure: true })).code).toBe(1);
  }, 240_000);

  test("an evicted image pulls again, from the upstream", async () => {
    const img2 = images.get("img2")!;
    const layer = img2.digests.layers[0]!;
    expect(upstream.countRequests({ method: "GET", path: `/v2/team/img2/blobs/${layer}` })).toBe(1);
    await waitUntilIdle(regcache);
    const sampler = sampleStore(regcache.storageDir);
    try {
      await pull("img2");
    } finally {
      sampler.stop();
    }
    expect(sampler.max).toBeLessThanOrEqual(maxSize);
    expect(upstream.countRequests({ method: "GET", path: `/v2/team/img2/blobs/${layer}` })).toBe(2);
    // The local image is still whole: it pulls from regcache.
    const local = createPodman({ dir: useTempDir() });
    await local.pull(`${regcache.host}/myorg/local:1`);
    expect(await local.imageDigest(`${regcache.host}/myorg/local:1`)).toBe(images.get("local")!.digests.manifest);
  }, 120_000);
});
