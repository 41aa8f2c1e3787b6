// Bad input: each request gets the right status and OCI error code, and the
// store is left as it was: no blob file, no repository, no tag, no manifest.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { OCI_INDEX, OCI_MANIFEST } from "../../src/oci/media-types.ts";
import { createHarness, type Harness } from "./harness.ts";
import {
  blobOf,
  brokenStream,
  bytes,
  descriptor,
  errorCode,
  expectError,
  imageManifest,
  indexManifest,
  listTags,
  manifestOf,
  OCTET,
  putManifest,
  pushImage,
  randomBytes,
  snapshot,
  uploadBlobs,
} from "./helpers.ts";

const NAME = "conformance/bad";
const MAX_MANIFEST = 2048;

let h: Harness;
let base: Awaited<ReturnType<typeof pushImage>>;
beforeAll(async () => {
  h = await createHarness({ maxManifestBytes: MAX_MANIFEST });
  base = await pushImage(h, NAME, "base", 1);
});
afterAll(() => h.close());

/** Everything a bad request must not change: blob files, catalog, pending uploads, this repository's tags. */
const state = async () => ({ ...(await snapshot(h)), tags: (await listTags(h, NAME)).tags });
let before: Awaited<ReturnType<typeof state>>;
beforeEach(async () => {
  before = await state();
});
const expectUnchanged = async () => expect(await state()).toEqual(before);

const startUpload = async () => {
  const r = await h.request(`/v2/${NAME}/blobs/uploads/`, { method: "POST" });
  expect(r.status).toBe(202);
  return r.headers.get("location")!;
};

describe("invalid repository names", () => {
  const layer = blobOf("a layer under a bad name");
  const manifest = imageManifest(layer, []);
  test.each([
    ["a path escape", "..%2Fetc"],
    ["upper case", "MyOrg/app"],
    ["300 characters", "a".repeat(300)],
  ])("%s: 400 NAME_INVALID on every endpoint", async (_, name) => {
    const requests: [string, RequestInit][] = [
      [`/v2/${name}/manifests/latest`, { method: "PUT", headers: { "Content-Type": OCI_MANIFEST }, body: manifest.content }],
      [`/v2/${name}/manifests/latest`, { method: "GET" }],
      [`/v2/${name}/blobs/uploads/?digest=${layer.digest}`, { method: "POST", headers: OCTET, body: layer.content }],
      [`/v2/${name}/blobs/uploads/`, { method: "POST" }],
      [`/v2/${name}/blobs/${layer.digest}`, { method: "GET" }],
      [`/v2/${name}/tags/list`, { method: "GET" }],
      [`/v2/${NAME}/blobs/uploads/?mount=${base.config.digest}&from=${name}`, { method: "POST" }],
    ];
    for (const [path, init] of requests.slice(0, 6)) await expectError(await h.request(path, init), 400, "NAME_INVALID");
    await expectUnchanged();
    // As a mount source, a bad name makes the mount impossible: an upload session instead (and nothing linked).
    const [path, init] = requests[6]!;
    expect((await h.request(path, init)).status).toBe(202);
  });

  test("a literal ../ is resolved by URL rules before routing and never reaches a repository", async () => {
    const r = await h.request(`/v2/../etc/manifests/latest`, { method: "PUT", headers: { "Content-Type": OCI_MANIFEST }, body: manifest.content });
    expect(r.status).toBe(404);
    await expectUnchanged();
  });
});

describe("invalid digests", () => {
  test.each([
    ["too short", "sha256:abc"],
    ["upper-case hex", `sha256:${"A".repeat(64)}`],
    ["unknown algorithm", `md5:${"a".repeat(32)}`],
  ])("%s: 400 DIGEST_INVALID for blobs, uploads, manifests and referrers", async (_, digest) => {
    const body = bytes("some bytes");
    await expectError(await h.request(`/v2/${NAME}/blobs/${digest}`), 400, "DIGEST_INVALID");
    await expectError(await h.request(`/v2/${NAME}/blobs/${digest}`, { method: "DELETE" }), 400, "DIGEST_INVALID");
    await expectError(await h.request(`/v2/${NAME}/blobs/uploads/?digest=${digest}`, { method: "POST", body }), 400, "DIGEST_INVALID");
    await expectError(await putManifest(h, NAME, digest, base.manifest), 400, "DIGEST_INVALID");
    await expectError(await h.request(`/v2/${NAME}/referrers/${digest}`), 400, "DIGEST_INVALID");
    await expectUnchanged();
  });

  test("finishing an upload with a malformed or missing digest: 400, and nothing stored", async () => {
    const location = await startUpload();
    before = await state();
    await expectError(await h.request(`${location}?digest=sha256:nope`, { method: "PUT", body: bytes("x") }), 400, "DIGEST_INVALID");
    await expectError(await h.request(location, { method: "PUT", body: bytes("x") }), 400, "DIGEST_INVALID");
    await expectUnchanged();
  });
});

describe("manifests that reference what the repository does not have", () => {
  test("a missing layer: 404 MANIFEST_BLOB_UNKNOWN naming it", async () => {
    const missing = blobOf("never uploaded");
    const m = imageManifest(base.config, [base.layers[0]!, missing]);
    const r = await putManifest(h, NAME, "broken", m);
    expect(r.status).toBe(404);
    const body = (await r.json()) as { errors: { code: string; detail: { digest: string } }[] };
    expect(body.errors[0]).toMatchObject({ code: "MANIFEST_BLOB_UNKNOWN", detail: { digest: missing.digest } });
    await expectError(await h.request(`/v2/${NAME}/manifests/${m.digest}`), 404, "MANIFEST_UNKNOWN");
    await expectUnchanged();
  });

  test("a blob that only another repository holds: MANIFEST_BLOB_UNKNOWN, and no repository is created", async () => {
    const m = imageManifest(base.config, base.layers);
    await expectError(await putManifest(h, "conformance/elsewhere", "v1", m), 404, "MANIFEST_BLOB_UNKNOWN");
    await expectUnchanged();
  });

  test("an index with a missing child: MANIFEST_BLOB_UNKNOWN", async () => {
    const child = imageManifest(base.config, [blobOf("child layer")]);
    await expectError(await putManifest(h, NAME, "index", indexManifest([base.manifest, child])), 404, "MANIFEST_BLOB_UNKNOWN");
    await expectUnchanged();
  });
});

describe("bodies whose digest does not match", () => {
  test("monolithic POST: 400 DIGEST_INVALID, no file under either digest", async () => {
    const claimed = blobOf("what the client claims");
    await expectError(await h.request(`/v2/${NAME}/blobs/uploads/?digest=${claimed.digest}`, { method: "POST", headers: OCTET, body: bytes("what it sends") }), 400, "DIGEST_INVALID");
    expect((await h.request(`/v2/${NAME}/blobs/${claimed.digest}`, { method: "HEAD" })).status).toBe(404);
    await expectUnchanged();
  });

  test("a manifest PUT by a digest its bytes do not have: 400 DIGEST_INVALID", async () => {
    const other = imageManifest(base.config, base.layers, { annotations: { other: "yes" } });
    await expectError(await putManifest(h, NAME, other.digest, base.manifest), 400, "DIGEST_INVALID");
    await expectError(await h.request(`/v2/${NAME}/manifests/${other.digest}`), 404, "MANIFEST_UNKNOWN");
    await expectUnchanged();
  });
});

describe("truncated chunked uploads", () => {
  const blob = blobOf(randomBytes(4096, 3));

  test("half the bytes, then PUT ?digest=: 400 DIGEST_INVALID, no blob file, the session is spent", async () => {
    const location = await startUpload();
    expect((await h.request(location, { method: "PATCH", headers: { "Content-Range": "0-2047" }, body: blob.content.slice(0, 2048) })).status).toBe(202);
    await expectError(await h.request(`${location}?digest=${blob.digest}`, { method: "PUT" }), 400, "DIGEST_INVALID");
    expect(await h.store.listDigests()).not.toContain(blob.digest);
    expect((await h.request(`/v2/${NAME}/blobs/${blob.digest}`, { method: "HEAD" })).status).toBe(404);
    await expectError(await h.request(location), 404, "BLOB_UPLOAD_UNKNOWN");
    await expectUnchanged();
  });

  test("a chunk shorter than its Content-Range: 400 BLOB_UPLOAD_INVALID; nothing is appended", async () => {
    const location = await startUpload();
    await expectError(await h.request(location, { method: "PATCH", headers: { "Content-Range": "0-4095" }, body: blob.content.slice(0, 1000) }), 400, "BLOB_UPLOAD_INVALID");
    expect((await h.request(location)).headers.get("range")).toBe("0-0");
    await expectError(await h.request(`${location}?digest=${blob.digest}`, { method: "PUT" }), 400, "DIGEST_INVALID");
    await expectUnchanged();
  });

  test("a client that vanishes mid-chunk: the PATCH fails, and the blob never appears", async () => {
    const location = await startUpload();
    const r = await h.request(location, { method: "PATCH", body: brokenStream(blob.content.slice(0, 1500)), duplex: "half" } as RequestInit);
    await expectError(r, 400, "BLOB_UPLOAD_INVALID");
    await expectError(await h.request(`${location}?digest=${blob.digest}`, { method: "PUT" }), 400, "DIGEST_INVALID");
    expect(await h.store.listDigests()).not.toContain(blob.digest);
    await expectUnchanged();
  });
});

describe("out-of-order and malformed chunks", () => {
  test("a chunk that skips ahead: 416 with the current Range, nothing appended, the upload goes on", async () => {
    const blob = blobOf(randomBytes(30, 4));
    const location = await startUpload();
    await h.request(location, { method: "PATCH", headers: { "Content-Range": "0-9" }, body: blob.content.slice(0, 10) });
    const skip = await h.request(location, { method: "PATCH", headers: { "Content-Range": "20-29" }, body: blob.content.slice(20) });
    expect(skip.status).toBe(416);
    expect(skip.headers.get("range")).toBe("0-9");
    expect(await errorCode(skip)).toBe("BLOB_UPLOAD_INVALID");
    expect((await h.request(location)).headers.get("range")).toBe("0-9");
    const mid = await h.request(location, { method: "PATCH", headers: { "Content-Range": "10-19" }, body: blob.content.slice(10, 20) });
    expect(mid.headers.get("range")).toBe("0-19");
    await h.request(location, { method: "DELETE" });
    await expectUnchanged();
  });

  test("a first chunk that does not start at 0: 416", async () => {
    const location = await startUpload();
    expect((await h.request(location, { method: "PATCH", headers: { "Content-Range": "5-9" }, body: bytes("abcde") })).status).toBe(416);
    await h.request(location, { method: "DELETE" });
    await expectUnchanged();
  });

  test("a malformed Content-Range: 416, as the spec lists it with out-of-order chunks", async () => {
    const location = await startUpload();
    for (const range of ["bytes abc", "9-3"]) {
      const r = await h.request(location, { method: "PATCH", headers: { "Content-Range": range }, body: bytes("abc") });
      expect(r.status, range).toBe(416);
    }
    expect((await h.request(location)).headers.get("range")).toBe("0-0");
    await h.request(location, { method: "DELETE" });
    await expectUnchanged();
  });

  test("an upload session that does not exist, or belongs to another repository: 404 BLOB_UPLOAD_UNKNOWN", async () => {
    const location = await startUpload();
    const id = location.slice(location.lastIndexOf("/") + 1);
    for (const path of [`/v2/${NAME}/blobs/uploads/${crypto.randomUUID()}`, `/v2/${NAME}/blobs/uploads/not-an-id`, `/v2/conformance/other/blobs/uploads/${id}`]) {
      await expectError(await h.request(path, { method: "PATCH", body: bytes("x") }), 404, "BLOB_UPLOAD_UNKNOWN");
    }
    await h.request(location, { method: "DELETE" });
    await expectUnchanged();
  });
});

describe("invalid manifests", () => {
  test("over the size limit: 413 SIZE_INVALID, nothing stored", async () => {
    const big = imageManifest(base.config, base.layers, { annotations: { padding: "x".repeat(MAX_MANIFEST) } });
    expect(big.size).toBeGreaterThan(MAX_MANIFEST);
    await expectError(await putManifest(h, NAME, "big", big), 413, "SIZE_INVALID");
    await expectError(await h.request(`/v2/${NAME}/manifests/${big.digest}`), 404, "MANIFEST_UNKNOWN");
    await expectUnchanged();
  });

  // Bodies are built lazily: the table is read before beforeAll has pushed the base image.
  test.each<[string, () => Uint8Array<ArrayBuffer>, string]>([
    ["an empty body", () => new Uint8Array(0), OCI_MANIFEST],
    ["not JSON", () => bytes("blablabla"), OCI_MANIFEST],
    ["schemaVersion 1", () => bytes(JSON.stringify({ schemaVersion: 1, name: NAME })), OCI_MANIFEST],
    ["a body that says index under a manifest Content-Type", () => indexManifest([base.manifest]).content, OCI_MANIFEST],
    ["a layer without a digest", () => manifestOf({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(base.config), layers: [{ mediaType: "x", size: 1 }] }).content, OCI_MANIFEST],
    ["an index without manifests", () => bytes(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX })), OCI_INDEX],
  ])("%s: 400 MANIFEST_INVALID", async (_, body, contentType) => {
    const r = await h.request(`/v2/${NAME}/manifests/base`, { method: "PUT", headers: { "Content-Type": contentType }, body: body() });
    await expectError(r, 400, "MANIFEST_INVALID");
    const head = await h.request(`/v2/${NAME}/manifests/base`, { method: "HEAD" });
    expect(head.headers.get("docker-content-digest")).toBe(base.manifest.digest);
    await expectUnchanged();
  });

  test("a tag outside the grammar: 400 TAG_INVALID", async () => {
    await expectError(await putManifest(h, NAME, ".hidden", base.manifest), 400, "TAG_INVALID");
    await expectError(await putManifest(h, NAME, "a".repeat(129), base.manifest), 400, "TAG_INVALID");
    await expectUnchanged();
  });

  test("re-uploading existing blobs is not a change", async () => {
    await uploadBlobs(h, NAME, base.config);
    await expectUnchanged();
  });
});
