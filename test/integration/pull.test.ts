// Pull: blobs and manifests by digest and tag, HEAD and GET, Range, content
// types, and 404s with the right OCI codes (distribution-spec "Pull" category).
// Every test runs twice: on a local repository, and on a cached repository of
// an upstream that holds the same content (the Repository seam: both kinds
// answer reads alike).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST } from "../../src/oci/media-types.ts";
import { harnessOf, type HarnessKind } from "./cached-harness.ts";
import type { Harness } from "./harness.ts";
import { blobOf, type BlobData, expectError, imageManifest, indexManifest, type Manifest, pushImage, pushManifest } from "./helpers.ts";

const NAME = "conformance/pull";
const missingDigest = blobOf("hello world").digest;

describe.each(["local", "cached"] as HarnessKind[])("%s repository", (kind) => {
let h: Harness;
let image: { manifest: Manifest; config: BlobData; layers: BlobData[] };
let untagged: Manifest;

beforeAll(async () => {
  h = await harnessOf(kind);
  image = await pushImage(h, NAME, "tagtest0", 1, 2);
  // A second manifest pushed by digest only: pullable by digest, listed under no tag.
  untagged = imageManifest(image.config, [image.layers[0]!]);
  await pushManifest(h, NAME, untagged.digest, untagged);
});
afterAll(() => h.close());

describe("blobs", () => {
  test("HEAD of an existing blob: 200, its length and digest, no body", async () => {
    const layer = image.layers[0]!;
    const r = await h.request(`/v2/${NAME}/blobs/${layer.digest}`, { method: "HEAD" });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-length")).toBe(String(layer.size));
    expect(r.headers.get("docker-content-digest")).toBe(layer.digest);
    expect((await r.arrayBuffer()).byteLength).toBe(0);
  });

  test("GET of an existing blob returns its exact bytes", async () => {
    const r = await h.request(`/v2/${NAME}/blobs/${image.config.digest}`);
    expect(r.status).toBe(200);
    expect(r.headers.get("docker-content-digest")).toBe(image.config.digest);
    expect(new Uint8Array(await r.arrayBuffer())).toEqual(image.config.content);
  });

  test("GET and HEAD of a missing blob: 404 BLOB_UNKNOWN", async () => {
    await expectError(await h.request(`/v2/${NAME}/blobs/${missingDigest}`), 404, "BLOB_UNKNOWN");
    const head = await h.request(`/v2/${NAME}/blobs/${missingDigest}`, { method: "HEAD" });
    expect(head.status).toBe(404);
  });

  test("a blob of another repository is not served here", async () => {
    await expectError(await h.request(`/v2/conformance/other/blobs/${image.config.digest}`), 404, "BLOB_UNKNOWN");
  });

  test("Range: a middle slice and a suffix answer 206 with Content-Range", async () => {
    const layer = image.layers[1]!;
    const mid = await h.request(`/v2/${NAME}/blobs/${layer.digest}`, { headers: { Range: "bytes=10-19" } });
    expect(mid.status).toBe(206);
    expect(mid.headers.get("content-range")).toBe(`bytes 10-19/${layer.size}`);
    expect(new Uint8Array(await mid.arrayBuffer())).toEqual(layer.content.slice(10, 20));

    const tail = await h.request(`/v2/${NAME}/blobs/${layer.digest}`, { headers: { Range: "bytes=-5" } });
    expect(tail.status).toBe(206);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(layer.content.slice(-5));
  });

  test("Range beyond the end: 416 with the blob's size", async () => {
    const layer = image.layers[0]!;
    const r = await h.request(`/v2/${NAME}/blobs/${layer.digest}`, { headers: { Range: `bytes=${layer.size}-` } });
    expect(r.status).toBe(416);
    expect(r.headers.get("content-range")).toBe(`bytes */${layer.size}`);
  });
});

describe("manifests", () => {
  test.each(["GET", "HEAD"])("%s by tag and by digest: 200, type, digest and length", async (method) => {
    for (const reference of ["tagtest0", image.manifest.digest]) {
      const r = await h.request(`/v2/${NAME}/manifests/${reference}`, { method, headers: { Accept: OCI_MANIFEST } });
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe(OCI_MANIFEST);
      expect(r.headers.get("docker-content-digest")).toBe(image.manifest.digest);
      expect(r.headers.get("content-length")).toBe(String(image.manifest.size));
      const body = new Uint8Array(await r.arrayBuffer());
      expect(body).toEqual(method === "GET" ? image.manifest.content : new Uint8Array(0));
    }
  });

  test("a manifest pushed by digest only is pullable by digest", async () => {
    const r = await h.request(`/v2/${NAME}/manifests/${untagged.digest}`);
    expect(r.status).toBe(200);
    expect(new Uint8Array(await r.arrayBuffer())).toEqual(untagged.content);
  });

  test.each(["GET", "HEAD"])("%s of a missing tag or digest: 404", async (method) => {
    for (const reference of ["no-such-tag", missingDigest]) {
      const r = await h.request(`/v2/${NAME}/manifests/${reference}`, { method });
      expect(r.status).toBe(404);
      if (method === "GET") await expectError(r, 404, "MANIFEST_UNKNOWN");
    }
  });

  test.each(["GET", "HEAD"])("%s of a tag that cannot exist (.INVALID_MANIFEST_NAME) is 404, not an error about the request", async (method) => {
    const r = await h.request(`/v2/${NAME}/manifests/.INVALID_MANIFEST_NAME`, { method });
    expect(r.status).toBe(404);
    if (method === "GET") await expectError(r, 404, "MANIFEST_UNKNOWN");
  });

  test("a malformed digest reference is a 400 with a spec error code", async () => {
    await expectError(await h.request(`/v2/${NAME}/manifests/sha256:totallywrong`), 400, "DIGEST_INVALID");
  });

  test("an unknown repository: 404 (NAME_UNKNOWN; through a cache, the upstream's 404 is MANIFEST_UNKNOWN)", async () => {
    // An upstream's 404 does not say which of the two it meant, and its body is not trusted.
    await expectError(await h.request(`/v2/conformance/nowhere/manifests/latest`), 404, kind === "local" ? "NAME_UNKNOWN" : "MANIFEST_UNKNOWN");
  });

  test("an index and its children are pulled with their own media types", async () => {
    const child = imageManifest(image.config, image.layers.slice(1), { annotations: { n: "2" } });
    await pushManifest(h, NAME, child.digest, child);
    const index = indexManifest([image.manifest, child]);
    await pushManifest(h, NAME, "multi", index);

    const r = await h.request(`/v2/${NAME}/manifests/multi`, { headers: { Accept: `${OCI_MANIFEST}, ${OCI_INDEX}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe(OCI_INDEX);
    const doc = (await r.json()) as { manifests: { digest: string }[] };
    for (const m of doc.manifests) expect((await h.request(`/v2/${NAME}/manifests/${m.digest}`)).status).toBe(200);
  });

  test("a Docker schema2 manifest keeps its media type", async () => {
    const docker = imageManifest(image.config, image.layers, { mediaType: DOCKER_MANIFEST });
    await pushManifest(h, NAME, "docker", { ...docker, mediaType: DOCKER_MANIFEST });
    const r = await h.request(`/v2/${NAME}/manifests/docker`, { headers: { Accept: `${DOCKER_MANIFEST}, ${OCI_MANIFEST}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe(DOCKER_MANIFEST);
    expect(r.headers.get("docker-content-digest")).toBe(docker.digest);
  });
});
});
