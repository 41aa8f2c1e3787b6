// Issue 13, bundles: --referrers carries an image's signatures and SBOMs. The
// upstream (distribution 2.8, no referrers API) holds a signature under
// cosign's tag convention; A's export finds it, B imports it, and B's referrers
// API lists it with the upstream unreachable. Without --referrers it stays out.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeImage, type GeneratedImage } from "../../helpers/oci-image.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import type { RegcacheProcess } from "../regcache-process.ts";
import { seed } from "../prefetch/setup.ts";
import { airGapped, appliance, cli } from "./setup.ts";

const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** Pushes a blob (monolithic upload) and returns its descriptor. */
async function pushBlob(upstream: UpstreamRegistry, repo: string, mediaType: string, bytes: Buffer) {
  const digest = sha256(bytes);
  const start = await fetch(`${upstream.url}/v2/${repo}/blobs/uploads/`, { method: "POST" });
  const location = new URL(start.headers.get("location")!, upstream.url);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, { method: "PUT", body: new Uint8Array(bytes), headers: { "content-type": "application/octet-stream" } });
  if (put.status !== 201) throw new Error(`blob upload: ${put.status} ${await put.text()}`);
  return { mediaType, digest, size: bytes.byteLength };
}

describe("--referrers", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let a: RegcacheProcess;
  let b: RegcacheProcess;
  let app: GeneratedImage;
  let signature: string;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    app = makeImage({ layers: 1 });
    await seed(upstream, work.path, "org/app", { "1.2": app });
    const config = await pushBlob(upstream, "org/app", "application/vnd.oci.empty.v1+json", Buffer.from("{}"));
    const payload = await pushBlob(upstream, "org/app", "application/vnd.dev.cosign.simplesigning.v1+json", Buffer.from(`{"signed":"${app.digests.manifest}"}`));
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json",
      config,
      layers: [payload],
      subject: { mediaType: app.manifest.descriptor.mediaType, digest: app.digests.manifest, size: app.manifest.descriptor.size },
    }));
    signature = sha256(manifest);
    const tag = `${app.digests.manifest.replace(":", "-")}.sig`;
    const put = await fetch(`${upstream.url}/v2/org/app/manifests/${tag}`, { method: "PUT", body: manifest, headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" } });
    if (put.status !== 201) throw new Error(`manifest push: ${put.status} ${await put.text()}`);
    a = await appliance(upstream.url);
    b = await airGapped();
  });

  afterAll(async () => {
    await a?.dispose();
    await b?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  test("the signature travels with --referrers and B lists it; without the flag it stays out", async () => {
    const without = join(work.path, "plain.tar");
    expect((await cli(["export", "--server", a.url, "--out", without, "quay.io/org/app:1.2"])).code).toBe(0);
    const withRefs = join(work.path, "signed.tar");
    const exported = await cli(["export", "--server", a.url, "--referrers", "--out", withRefs, "quay.io/org/app:1.2"]);
    expect(exported.code, exported.stderr).toBe(0);

    const imported = await cli(["import", "--server", b.url, without]);
    expect(imported.code, imported.stderr).toBe(0);
    const list = async () => ((await (await fetch(`${b.url}/v2/quay.io/org/app/referrers/${app.digests.manifest}`)).json()) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest);
    expect(await list()).toEqual([]);

    const signed = await cli(["import", "--server", b.url, withRefs]);
    expect(signed.code, signed.stderr).toBe(0);
    expect(signed.stdout).toContain(`quay.io/org/app@${signature}: imported ${signature}`);
    expect(await list()).toEqual([signature]);
    const got = await fetch(`${b.url}/v2/quay.io/org/app/manifests/${signature}`, { headers: { accept: "application/vnd.oci.image.manifest.v1+json" } });
    expect(got.status).toBe(200);
  });
});
