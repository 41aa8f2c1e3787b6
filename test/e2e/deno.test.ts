// The same source under Deno (node:sqlite behind the adapter, Deno.serve, stream file
// bodies): skopeo pushes an image, and skopeo and podman pull it back intact.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPodman, inspectRaw, pullToLayout, pushLayout } from "../helpers/clients.ts";
import { makeImage, writeOciLayout, type GeneratedImage } from "../helpers/oci-image.ts";
import { makeTempDir, useTempDir, type TempDir } from "../helpers/tmp.ts";
import { sha256 } from "./oci-http.ts";
import { startRegcache, type RegcacheProcess } from "./regcache-process.ts";

describe("regcache under Deno serves a push and a pull", () => {
  let work: TempDir;
  let regcache: RegcacheProcess;
  let image: GeneratedImage;
  let ref: string;

  beforeAll(async () => {
    work = makeTempDir();
    // Deno compiles the sources on its first start; give it time.
    regcache = await startRegcache({ runtime: "deno", startTimeoutMs: 60_000 });
    ref = `${regcache.host}/myorg/app:1`;
    image = makeImage({ layers: 3, layerSize: 1024 * 1024 });
    await writeOciLayout(`${work.path}/layout`, { "1": image });
    await pushLayout(`${work.path}/layout`, "1", ref);
  });

  afterAll(async () => {
    await regcache?.dispose();
    work?.remove();
  });

  test("it is Deno that answers", () => {
    const started = regcache.logs().find((l) => l.msg === "regcache started");
    expect(started?.runtime).toMatch(/^deno /);
  });

  test("skopeo copies the image back; manifest and every blob match", async () => {
    expect(sha256(Buffer.from(await inspectRaw(ref)))).toBe(image.digests.manifest);

    const out = join(work.path, "pulled");
    await pullToLayout(ref, out, "1");
    const index = JSON.parse(readFileSync(join(out, "index.json"), "utf8")) as { manifests: Array<{ digest: string }> };
    expect(index.manifests.map((m) => m.digest)).toEqual([image.digests.manifest]);
    for (const digest of [image.digests.manifest, image.digests.config, ...image.digests.layers]) {
      expect(sha256(readFileSync(join(out, "blobs", "sha256", digest.slice(7))))).toBe(digest);
    }
  });

  test("podman pulls it; digests match", async () => {
    const podman = createPodman({ dir: useTempDir() });
    await podman.pull(ref);
    expect(await podman.imageDigest(ref)).toBe(image.digests.manifest);
    const [inspected] = await podman.inspect(ref);
    expect(`sha256:${inspected!.Id}`).toBe(image.digests.config);
  });

  test("a Range request is served from the file", async () => {
    const layer = image.layers[1]!;
    const response = await fetch(`${regcache.url}/v2/myorg/app/blobs/${layer.descriptor.digest}`, { headers: { range: "bytes=100-1099" } });
    expect(response.status).toBe(206);
    expect(response.headers.get("content-range")).toBe(`bytes 100-1099/${layer.descriptor.size}`);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(layer.bytes.subarray(100, 1100));
  });

  test("SIGTERM stops it cleanly", async () => {
    expect(await regcache.stop()).toEqual({ code: 0, signal: null });
    expect(regcache.logs().at(-1)?.msg).toBe("stopped");
  });
});
