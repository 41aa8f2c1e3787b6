// Issue 3, item 5: 20 clients pull the same image at once, nothing cached yet. Every blob
// comes from the upstream exactly once (the download belongs to the cache and streams to
// every waiting client), and all 20 get identical, verified bytes.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { pullToLayout } from "../../helpers/clients.ts";
import { makeImage, sha256, type GeneratedImage } from "../../helpers/oci-image.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { seed, upstreamToml } from "./setup.ts";

const CLIENTS = 20;

describe("20 concurrent cold pulls", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let regcache: RegcacheProcess;
  let pulled: GeneratedImage;
  let fetched: GeneratedImage;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    pulled = makeImage({ layers: 3, layerSize: 1024 * 1024 });
    // One big layer, so that the 20 requests overlap its download.
    fetched = makeImage({ layers: 1, layerSize: 32 * 1024 * 1024 });
    await seed(upstream, work.path, "app/pulled", { v1: pulled });
    await seed(upstream, work.path, "app/fetched", { v1: fetched });
    regcache = await startRegcache({ extraToml: upstreamToml({ name: "up", url: upstream.url, ttl: "1h" }) });
    upstream.resetAccessLog();
  });

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  test("20 skopeo copies into 20 OCI layouts: one upstream GET per blob, identical verified blobs", async () => {
    const dirs = Array.from({ length: CLIENTS }, (_, i) => `${work.path}/copy-${i}`);
    await Promise.all(dirs.map((dir) => pullToLayout(`${regcache.host}/up/app/pulled:v1`, dir, "v1", { timeoutMs: 90_000 })));

    const blobs = [pulled.config, ...pulled.layers];
    for (const blob of blobs) {
      const path = `/v2/app/pulled/blobs/${blob.descriptor.digest}`;
      await upstream.waitForRequests({ method: "GET", path }, 1);
      expect(upstream.countRequests({ method: "GET", path }), path).toBe(1);
    }
    // The manifest too: concurrent misses of one tag share one upstream request.
    expect(upstream.countRequests({ method: "GET", path: "/v2/app/pulled/manifests/v1" })).toBe(1);
    for (const dir of dirs) {
      for (const blob of [pulled.manifest, ...blobs]) {
        const bytes = readFileSync(`${dir}/blobs/sha256/${blob.descriptor.digest.slice(7)}`);
        expect(bytes.equals(blob.bytes)).toBe(true);
      }
    }
  });

  test("20 concurrent GETs of one cold 32 MiB blob: one upstream GET, 20 identical verified bodies", async () => {
    const layer = fetched.layers[0];
    const url = `${regcache.url}/v2/up/app/fetched/blobs/${layer.descriptor.digest}`;
    const bodies = await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const response = await fetch(url, { signal: AbortSignal.timeout(90_000) });
        const hash = createHash("sha256");
        let size = 0;
        const reader = response.body!.getReader();
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
          hash.update(chunk.value);
          size += chunk.value.byteLength;
        }
        return { status: response.status, xCache: response.headers.get("x-cache"), digest: `sha256:${hash.digest("hex")}`, size };
      }),
    );
    for (const body of bodies) {
      expect(body).toMatchObject({ status: 200, digest: layer.descriptor.digest, size: layer.bytes.length });
    }
    // Most of them joined the download in progress rather than finding the finished file.
    expect(bodies.filter((b) => b.xCache === "MISS").length).toBeGreaterThan(1);
    const path = `/v2/app/fetched/blobs/${layer.descriptor.digest}`;
    await upstream.waitForRequests({ method: "GET", path }, 1);
    expect(upstream.countRequests({ method: "GET", path })).toBe(1);
    expect(sha256(layer.bytes)).toBe(layer.descriptor.digest);
  });
});
