// Push: streamed, monolithic and chunked blob uploads, cross-repository
// mounts, and manifest uploads incl. OCI 1.1 artifacts and subjects
// (distribution-spec "Push" category).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { OCI_INDEX } from "../../src/oci/media-types.ts";
import { createHarness, type Harness } from "./harness.ts";
import {
  blobOf,
  descriptor,
  emptyJson,
  expectError,
  imageManifest,
  indexManifest,
  manifestOf,
  OCTET,
  pushManifest,
  randomBytes,
  uploadBlob,
  uploadBlobs,
} from "./helpers.ts";

const NAME = "conformance/push";
const MOUNT_TARGET = "conformance/crossmount";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const startUpload = async (name = NAME) => {
  const r = await h.request(`/v2/${name}/blobs/uploads/`, { method: "POST", headers: { "Content-Length": "0" } });
  expect(r.status).toBe(202);
  expect(r.headers.get("location")).toMatch(new RegExp(`^/v2/${name}/blobs/uploads/`));
  return r.headers.get("location")!;
};

const blobExists = async (name: string, digest: string) => (await h.request(`/v2/${name}/blobs/${digest}`, { method: "HEAD" })).status === 200;

describe("blob uploads", () => {
  test("streamed: PATCH without Content-Range, then PUT ?digest= with no body", async () => {
    const blob = blobOf(randomBytes(42, 7));
    const location = await startUpload();
    const patch = await h.request(location, { method: "PATCH", headers: OCTET, body: blob.content });
    expect(patch.status).toBe(202);
    expect(patch.headers.get("range")).toBe(`0-${blob.size - 1}`);
    const put = await h.request(`${patch.headers.get("location")}?digest=${blob.digest}`, { method: "PUT", headers: { "Content-Length": "0" } });
    expect(put.status).toBe(201);
    expect(put.headers.get("location")).toBe(`/v2/${NAME}/blobs/${blob.digest}`);
    expect(put.headers.get("docker-content-digest")).toBe(blob.digest);
    expect(await blobExists(NAME, blob.digest)).toBe(true);
  });

  test("monolithic in one POST ?digest=: 201 with the blob's Location", async () => {
    const blob = blobOf("a config in one request");
    const r = await h.request(`/v2/${NAME}/blobs/uploads/?digest=${blob.digest}`, { method: "POST", headers: OCTET, body: blob.content });
    expect(r.status).toBe(201);
    expect(r.headers.get("location")).toBe(`/v2/${NAME}/blobs/${blob.digest}`);
    expect(await blobExists(NAME, blob.digest)).toBe(true);
  });

  test("monolithic POST then PUT with the whole body", async () => {
    const blob = blobOf(randomBytes(3000, 8));
    const put = await uploadBlob(h, NAME, blob);
    expect(put.headers.get("location")).toBe(`/v2/${NAME}/blobs/${blob.digest}`);
    const got = await h.request(`/v2/${NAME}/blobs/${blob.digest}`);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(blob.content);
  });

  test("chunked: in-order chunks, a refused retry (416), status, then PUT", async () => {
    const blob = blobOf(randomBytes(42, 9));
    const first = blob.content.slice(0, 22);
    const second = blob.content.slice(22);
    const location = await startUpload();

    const p1 = await h.request(location, { method: "PATCH", headers: { ...OCTET, "Content-Range": "0-21" }, body: first });
    expect(p1.status).toBe(202);
    expect(p1.headers.get("range")).toBe("0-21");

    // Sending the first chunk again is out of order: refused, with where to resume.
    const retry = await h.request(location, { method: "PATCH", headers: { ...OCTET, "Content-Range": "0-21" }, body: first });
    expect(retry.status).toBe(416);
    expect(retry.headers.get("range")).toBe("0-21");
    expect(retry.headers.get("location")).toBe(location);

    const status = await h.request(location);
    expect(status.status).toBe(204);
    expect(status.headers.get("range")).toBe("0-21");
    expect(status.headers.get("location")).toBe(location);

    const p2 = await h.request(status.headers.get("location")!, { method: "PATCH", headers: { ...OCTET, "Content-Range": "22-41" }, body: second });
    expect(p2.status).toBe(202);
    expect(p2.headers.get("range")).toBe("0-41");

    const put = await h.request(`${p2.headers.get("location")}?digest=${blob.digest}`, { method: "PUT", headers: { ...OCTET, "Content-Length": "0" } });
    expect(put.status).toBe(201);
    expect(put.headers.get("location")).toBe(`/v2/${NAME}/blobs/${blob.digest}`);
  });

  test("chunked: the last chunk may come with the PUT", async () => {
    const blob = blobOf(randomBytes(100, 10));
    const location = await startUpload();
    await h.request(location, { method: "PATCH", headers: { "Content-Range": "0-59" }, body: blob.content.slice(0, 60) });
    const put = await h.request(`${location}?digest=${blob.digest}`, { method: "PUT", headers: { "Content-Range": "60-99" }, body: blob.content.slice(60) });
    expect(put.status).toBe(201);
    expect(await blobExists(NAME, blob.digest)).toBe(true);
  });

  test("two requests racing on one session: one chunk is taken, the other is refused (416)", async () => {
    const blob = blobOf(randomBytes(1 << 20, 12));
    const location = await startUpload();
    // A slow body keeps the first request writing while the second arrives.
    const slow = () => {
      let at = 0;
      return new ReadableStream<Uint8Array>({
        async pull(c) {
          if (at >= blob.size) return c.close();
          await new Promise((r) => setTimeout(r, 2));
          c.enqueue(blob.content.slice(at, (at += 65536)));
        },
      });
    };
    const send = () => h.request(location, { method: "PATCH", headers: { "Content-Range": `0-${blob.size - 1}` }, body: slow(), duplex: "half" } as RequestInit);
    const statuses = (await Promise.all([send(), send()])).map((r) => r.status).sort();
    expect(statuses).toEqual([202, 416]);
    expect((await h.request(location)).headers.get("range")).toBe(`0-${blob.size - 1}`);
    expect((await h.request(`${location}?digest=${blob.digest}`, { method: "PUT" })).status).toBe(201);
  });

  test("cancel: DELETE ends the session, which is then unknown", async () => {
    const location = await startUpload();
    await h.request(location, { method: "PATCH", body: randomBytes(10) });
    expect((await h.request(location, { method: "DELETE" })).status).toBe(204);
    await expectError(await h.request(location), 404, "BLOB_UPLOAD_UNKNOWN");
  });

  test("an empty blob can be uploaded and pulled", async () => {
    const empty = blobOf("");
    await uploadBlob(h, NAME, empty);
    const r = await h.request(`/v2/${NAME}/blobs/${empty.digest}`);
    expect(r.status).toBe(200);
    expect((await r.arrayBuffer()).byteLength).toBe(0);
  });
});

describe("cross-repository mount", () => {
  const shared = blobOf("NBA Jam on my NBA toast");
  beforeAll(() => uploadBlobs(h, NAME, shared));

  test("mount of an unknown digest without from: falls back to an upload session (202)", async () => {
    const r = await h.request(`/v2/${MOUNT_TARGET}/blobs/uploads/?mount=${blobOf("hello world").digest}`, { method: "POST" });
    expect(r.status).toBe(202);
    expect(r.headers.get("location")).toMatch(new RegExp(`^/v2/${MOUNT_TARGET}/blobs/uploads/`));
  });

  test("mount from a repository that has the blob: 201, and the target serves it", async () => {
    expect(await blobExists(MOUNT_TARGET, shared.digest)).toBe(false);
    const r = await h.request(`/v2/${MOUNT_TARGET}/blobs/uploads/?mount=${shared.digest}&from=${NAME}`, { method: "POST" });
    expect(r.status).toBe(201);
    expect(r.headers.get("location")).toBe(`/v2/${MOUNT_TARGET}/blobs/${shared.digest}`);
    expect(r.headers.get("docker-content-digest")).toBe(shared.digest);
    const got = await h.request(r.headers.get("location")!);
    expect(got.status).toBe(200);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(shared.content);
  });

  test("mount from a repository without the blob: 202 upload session, nothing linked", async () => {
    const r = await h.request(`/v2/conformance/third/blobs/uploads/?mount=${shared.digest}&from=conformance/empty`, { method: "POST" });
    expect(r.status).toBe(202);
    expect(await blobExists("conformance/third", shared.digest)).toBe(false);
  });

  test("mount without from of a blob the registry holds: 201 (automatic content discovery)", async () => {
    const r = await h.request(`/v2/conformance/auto/blobs/uploads/?mount=${shared.digest}`, { method: "POST" });
    expect(r.status).toBe(201);
    expect(await blobExists("conformance/auto", shared.digest)).toBe(true);
  });

  test("mount with an invalid from or digest: falls back to an upload session (202), as the spec says", async () => {
    for (const query of [`mount=${shared.digest}&from=Not/Valid`, "mount=sha256:short&from=conformance/push"]) {
      const r = await h.request(`/v2/conformance/fallback/blobs/uploads/?${query}`, { method: "POST" });
      expect(r.status, query).toBe(202);
    }
  });
});

describe("manifest uploads", () => {
  const config = blobOf(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }), "application/vnd.oci.image.config.v1+json");
  const layer = blobOf(randomBytes(200, 11), "application/vnd.oci.image.layer.v1.tar+gzip");
  const refBlob = blobOf("NHL Peanut Butter on my NHL bagel", "application/vnd.nhl.peanut.butter.bagel");
  beforeAll(() => uploadBlobs(h, NAME, config, layer, refBlob, emptyJson));

  test("GET of a manifest not pushed yet: 404", async () => {
    await expectError(await h.request(`/v2/${NAME}/manifests/test0`), 404, "MANIFEST_UNKNOWN");
  });

  test("PUT by tag, four times: 201 with Location and Docker-Content-Digest", async () => {
    const m = imageManifest(config, [layer]);
    for (let i = 0; i < 4; i++) {
      const r = await pushManifest(h, NAME, `test${i}`, m);
      expect(r.headers.get("location")).toBe(`/v2/${NAME}/manifests/${m.digest}`);
      expect(r.headers.get("docker-content-digest")).toBe(m.digest);
    }
    expect((await h.request(`/v2/${NAME}/manifests/${m.digest}`)).status).toBe(200);
  });

  test("a manifest with no layers (and no mediaType field) is accepted", async () => {
    const m = manifestOf({ schemaVersion: 2, config: { ...descriptor(config), data: btoa(new TextDecoder().decode(config.content)) }, layers: [] });
    await pushManifest(h, NAME, "emptylayer", m);
  });

  test("an artifact whose config media type is the artifact type", async () => {
    await pushManifest(h, NAME, "artifact-config", imageManifest(refBlob, [emptyJson]));
  });

  test("an artifact with artifactType and the empty config", async () => {
    await pushManifest(h, NAME, "artifact-type", imageManifest(emptyJson, [refBlob], { artifactType: refBlob.mediaType }));
  });

  test("an image index, and an index of that index", async () => {
    const child = imageManifest(config, [layer], { annotations: { for: "index" } });
    await pushManifest(h, NAME, child.digest, child);
    const index = indexManifest([child], { artifactType: "application/vnd.food.stand" });
    const r = await pushManifest(h, NAME, index.digest, index);
    expect(r.headers.get("location")).toBe(`/v2/${NAME}/manifests/${index.digest}`);
    const nested = manifestOf({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ ...descriptor(index), mediaType: OCI_INDEX }] });
    await pushManifest(h, NAME, nested.digest, nested);
  });

  test("a subject that is not in the registry (dangling) is accepted and echoed in OCI-Subject", async () => {
    const subject = imageManifest(config, [blobOf("never pushed")]);
    const m = imageManifest(emptyJson, [refBlob], { artifactType: "application/vnd.example.sbom", subject: descriptor(subject) });
    const r = await pushManifest(h, NAME, m.digest, m);
    expect(r.headers.get("oci-subject")).toBe(subject.digest);
  });

  test("re-pushing a tag moves it to the new manifest", async () => {
    const first = imageManifest(config, [layer], { annotations: { v: "1" } });
    const second = imageManifest(config, [layer], { annotations: { v: "2" } });
    await pushManifest(h, NAME, "moving", first);
    await pushManifest(h, NAME, "moving", second);
    const r = await h.request(`/v2/${NAME}/manifests/moving`, { method: "HEAD" });
    expect(r.headers.get("docker-content-digest")).toBe(second.digest);
  });
});
