// Issue 3, item 1: the first pull goes to the upstream (MISS); a second pull within ttl is
// served from the cache (HIT) and the upstream's access log shows not one request.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPodman, pullToLayout } from "../../helpers/clients.ts";
import { makeImage, sha256, type GeneratedImage } from "../../helpers/oci-image.ts";
import { makeTempDir, useTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { get, nextRequestLine, seed, sleep, upstreamToml } from "./setup.ts";

describe("first pull MISS, second pull HIT with no upstream request", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let regcache: RegcacheProcess;
  let viaPodman: GeneratedImage;
  let viaSkopeo: GeneratedImage;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    viaPodman = makeImage({ layers: 2 });
    viaSkopeo = makeImage({ layers: 2 });
    await seed(upstream, work.path, "app/podman", { v1: viaPodman });
    await seed(upstream, work.path, "app/skopeo", { v1: viaSkopeo });
    regcache = await startRegcache({ extraToml: upstreamToml({ name: "up", url: upstream.url, ttl: "1h" }) });
  });

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  /**
   * X-Cache of each GET regcache logged for `repo` since log line `from`, by path below the
   * repository, once every one of `expected` has its line (a log line can trail its response).
   */
  async function outcomes(repo: string, from: number, expected: string[]): Promise<[string, unknown][]> {
    const prefix = `/v2/up/${repo}/`;
    const deadline = Date.now() + 5_000;
    for (;;) {
      const seen = regcache
        .logs()
        .slice(from)
        .filter((l) => l.msg === "request" && l.method === "GET" && String(l.path).startsWith(prefix))
        .map((l): [string, unknown] => [String(l.path).slice(prefix.length), l.cache]);
      if (expected.every((path) => seen.some(([p]) => p === path)) || Date.now() > deadline) return seen;
      await sleep(20);
    }
  }

  test("podman through a registries.conf mirror", async () => {
    const mirrors = [{ location: upstream.host, mirrors: [`${regcache.host}/up`] }];
    const ref = `${upstream.host}/app/podman:v1`;
    const blobs = [viaPodman.digests.config, ...viaPodman.digests.layers];
    const paths = ["manifests/v1", ...blobs.map((digest) => `blobs/${digest}`)];

    upstream.resetAccessLog();
    let from = regcache.logs().length;
    const first = createPodman({ dir: useTempDir(), mirrors });
    await first.pull(ref);
    expect(await first.imageDigest(ref)).toBe(viaPodman.digests.manifest);
    const cold = await outcomes("app/podman", from, paths);
    expect(cold).toContainEqual(["manifests/v1", "MISS"]);
    for (const digest of blobs) expect(cold).toContainEqual([`blobs/${digest}`, "MISS"]);
    // It went through regcache: the upstream saw regcache's requests, one GET per blob.
    await upstream.waitForRequests({ method: "GET", path: /\/blobs\// }, blobs.length);
    for (const digest of blobs) expect(upstream.countRequests({ method: "GET", path: `/v2/app/podman/blobs/${digest}` })).toBe(1);
    expect(upstream.accessLog().every((e) => e.userAgent === "regcache")).toBe(true);

    upstream.resetAccessLog();
    from = regcache.logs().length;
    // A second site (a fresh podman store) pulls the same image.
    const second = createPodman({ dir: useTempDir(), mirrors });
    await second.pull(ref);
    expect(await second.imageDigest(ref)).toBe(viaPodman.digests.manifest);
    const warm = await outcomes("app/podman", from, paths);
    expect(warm).toContainEqual(["manifests/v1", "HIT"]);
    for (const digest of blobs) expect(warm).toContainEqual([`blobs/${digest}`, "HIT"]);
    expect(warm.every(([, cache]) => cache === "HIT")).toBe(true);
    // Access-log lines trail responses; give a stray request time to show up.
    await sleep(500);
    expect(upstream.accessLog()).toEqual([]);
  });

  test("skopeo, and the X-Cache header itself", async () => {
    const ref = `${regcache.host}/up/app/skopeo:v1`;
    upstream.resetAccessLog();
    const from = regcache.logs().length;
    const cold = useTempDir();
    await pullToLayout(ref, cold, "v1");
    expect(await outcomes("app/skopeo", from, ["manifests/v1"])).toContainEqual(["manifests/v1", "MISS"]);
    await upstream.waitForRequests({ method: "GET", path: "/v2/app/skopeo/manifests/v1" }, 1);

    upstream.resetAccessLog();
    const warm = useTempDir();
    await pullToLayout(ref, warm, "v1");
    const line = nextRequestLine(regcache, "/v2/up/app/skopeo/manifests/v1");
    const manifest = await get(regcache, "/v2/up/app/skopeo/manifests/v1");
    expect(manifest.status).toBe(200);
    expect(manifest.xCache).toBe("HIT");
    expect(sha256(manifest.body)).toBe(viaSkopeo.digests.manifest);
    const layer = await get(regcache, `/v2/up/app/skopeo/blobs/${viaSkopeo.digests.layers[0]}`);
    expect(layer.xCache).toBe("HIT");
    expect((await line()).cache).toBe("HIT");
    await sleep(500);
    expect(upstream.accessLog()).toEqual([]);

    // Both copies hold the upstream's bytes exactly: digests never change.
    for (const dir of [cold, warm]) {
      for (const layerBlob of viaSkopeo.layers) {
        const hex = layerBlob.descriptor.digest.slice("sha256:".length);
        expect(readFileSync(`${dir}/blobs/sha256/${hex}`).equals(layerBlob.bytes)).toBe(true);
      }
    }
  });
});
