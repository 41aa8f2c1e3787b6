// skopeo pushes generated images into a local repository of the compiled binary, podman
// pulls them back the way a site would, and tags and manifests can be deleted over HTTP.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPodman, inspectRaw, pushLayout } from "../helpers/clients.ts";
import { makeImage, makeIndex, writeOciLayout, type GeneratedImage, type GeneratedIndex } from "../helpers/oci-image.ts";
import { makeTempDir, useTempDir, type TempDir } from "../helpers/tmp.ts";
import { errorCodes, sha256 } from "./oci-http.ts";
import { startRegcache, type RegcacheProcess } from "./regcache-process.ts";

// The platform podman picks from an index by default: this machine's.
const hostArch = process.arch === "x64" ? "amd64" : process.arch;

describe("push with skopeo, pull with podman (binary)", () => {
  let work: TempDir;
  let regcache: RegcacheProcess;
  let image: GeneratedImage;
  let index: GeneratedIndex;
  let ref: (tag: string) => string;

  beforeAll(async () => {
    work = makeTempDir();
    regcache = await startRegcache();
    ref = (tag) => `${regcache.host}/myorg/app:${tag}`;
    image = makeImage({ layers: 4, layerSize: 512 * 1024 });
    index = makeIndex({ layers: 2, platforms: [{ os: "linux", architecture: "amd64" }, { os: "linux", architecture: "arm64" }] });
    await writeOciLayout(`${work.path}/layout`, { "1": image, multi: index });
    await pushLayout(`${work.path}/layout`, "1", ref("1"));
    await pushLayout(`${work.path}/layout`, "multi", ref("multi"), { all: true });
  });

  afterAll(async () => {
    await regcache?.dispose();
    work?.remove();
  });

  test("the pushed manifest and index come back byte for byte", async () => {
    const manifest = await inspectRaw(ref("1"));
    expect(sha256(Buffer.from(manifest))).toBe(image.digests.manifest);
    expect(await inspectRaw(ref("multi"))).toBe(index.index.bytes.toString());
    for (const [i, child] of index.images.entries()) {
      const raw = await inspectRaw(`${regcache.host}/myorg/app@${index.digests.manifests[i]}`);
      expect(raw).toBe(child.manifest.bytes.toString());
    }
  });

  test("podman pulls the multi-layer image; digests match", async () => {
    const podman = createPodman({ dir: useTempDir() });
    await podman.pull(ref("1"));
    expect(await podman.imageDigest(ref("1"))).toBe(image.digests.manifest);
    const [inspected] = await podman.inspect(ref("1"));
    // podman's image id is the config digest; its layers are the config's diff_ids.
    expect(`sha256:${inspected!.Id}`).toBe(image.digests.config);
    expect((inspected!.RootFS as { Layers: string[] }).Layers).toEqual(image.layers.map((l) => l.diffId));
  });

  test("podman pulls the index and picks the platform it runs on, or the one asked for", async () => {
    const dir = useTempDir();
    const podman = createPodman({ dir });
    await podman.pull(ref("multi"));
    expect(await podman.imageDigest(ref("multi"))).toBe(index.digests.index);
    const native = index.images.find((i) => i.platform.architecture === hostArch);
    expect(native, `the index has no ${hostArch} image`).toBeDefined();
    const [pulled] = await podman.inspect(ref("multi"));
    expect(`sha256:${pulled!.Id}`).toBe(native!.digests.config);
    expect(pulled!.Architecture).toBe(hostArch);

    const other = index.images.find((i) => i.platform.architecture !== hostArch)!;
    // createPodman keeps its signature policy in the dir it was given.
    await podman.run(["pull", "--quiet", "--tls-verify=false", `--signature-policy=${dir}/policy.json`, `--arch=${other.platform.architecture}`, ref("multi")]);
    const [foreign] = await podman.inspect(ref("multi"));
    expect(`sha256:${foreign!.Id}`).toBe(other.digests.config);
    expect(foreign!.Architecture).toBe(other.platform.architecture);
  });

  test("DELETE of a tag removes the tag only; DELETE by digest removes the manifest", async () => {
    const base = `${regcache.url}/v2/myorg/app`;
    const accept = { accept: "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json" };

    const byTag = await fetch(`${base}/manifests/1`, { method: "DELETE" });
    expect(byTag.status).toBe(202);
    const tagGone = await fetch(`${base}/manifests/1`, { headers: accept });
    expect(tagGone.status).toBe(404);
    expect(await errorCodes(tagGone)).toEqual(["MANIFEST_UNKNOWN"]);
    const stillThere = await fetch(`${base}/manifests/${image.digests.manifest}`, { headers: accept });
    expect(stillThere.status).toBe(200);
    expect(sha256(new Uint8Array(await stillThere.arrayBuffer()))).toBe(image.digests.manifest);
    const tags = (await (await fetch(`${base}/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toEqual(["multi"]);

    const byDigest = await fetch(`${base}/manifests/${image.digests.manifest}`, { method: "DELETE" });
    expect(byDigest.status).toBe(202);
    const manifestGone = await fetch(`${base}/manifests/${image.digests.manifest}`, { headers: accept });
    expect(manifestGone.status).toBe(404);
    expect(await errorCodes(manifestGone)).toEqual(["MANIFEST_UNKNOWN"]);
    const again = await fetch(`${base}/manifests/${image.digests.manifest}`, { method: "DELETE" });
    expect(again.status).toBe(404);
    await again.body?.cancel();

    // Deleting the index by digest takes its tag with it; the children stay addressable.
    expect((await fetch(`${base}/manifests/${index.digests.index}`, { method: "DELETE" })).status).toBe(202);
    const multiGone = await fetch(`${base}/manifests/multi`, { headers: accept });
    expect(multiGone.status).toBe(404);
    await multiGone.body?.cancel();
    const child = await fetch(`${base}/manifests/${index.digests.manifests[0]}`, { headers: accept });
    expect(child.status).toBe(200);
    await child.body?.cancel();
  });
});
