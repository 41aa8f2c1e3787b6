// Chunked uploads and cross-repository mounts over plain fetch, against the compiled binary.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { absolute, errorCodes, pushBlob, sha256, startUpload, withDigest } from "./oci-http.ts";
import { startRegcache, type RegcacheProcess } from "./regcache-process.ts";

describe("uploads (binary)", () => {
  let regcache: RegcacheProcess;
  const blobFile = (digest: string) => join(regcache.storageDir, "blobs", "sha256", digest.slice(7, 9), digest.slice(7));

  beforeAll(async () => {
    regcache = await startRegcache();
  });

  afterAll(async () => {
    await regcache?.dispose();
  });

  test("a chunked upload: POST, three PATCHes with Content-Range, PUT ?digest=", async () => {
    const chunks = [randomBytes(1 << 20), randomBytes(300_000), randomBytes(12_345)];
    const whole = Buffer.concat(chunks);
    const digest = sha256(whole);

    let location = await startUpload(regcache.url, "myorg/chunked");
    let offset = 0;
    for (const chunk of chunks) {
      const response = await fetch(location, {
        method: "PATCH",
        headers: {
          "content-type": "application/octet-stream",
          "content-range": `${offset}-${offset + chunk.length - 1}`,
          "content-length": String(chunk.length),
        },
        body: chunk,
      });
      expect(response.status).toBe(202);
      offset += chunk.length;
      expect(response.headers.get("range")).toBe(`0-${offset - 1}`);
      // Each answer says where the next request goes.
      location = absolute(regcache.url, response.headers.get("location"));
    }

    const status = await fetch(location);
    expect(status.status).toBe(204);
    expect(status.headers.get("range")).toBe(`0-${whole.length - 1}`);

    const put = await fetch(withDigest(location, digest), { method: "PUT" });
    expect(put.status).toBe(201);
    expect(put.headers.get("docker-content-digest")).toBe(digest);
    expect(absolute(regcache.url, put.headers.get("location"))).toBe(`${regcache.url}/v2/myorg/chunked/blobs/${digest}`);

    const get = await fetch(`${regcache.url}/v2/myorg/chunked/blobs/${digest}`);
    expect(get.status).toBe(200);
    expect(sha256(new Uint8Array(await get.arrayBuffer()))).toBe(digest);
    expect(existsSync(blobFile(digest))).toBe(true);

    // The session is spent once the blob is stored.
    const after = await fetch(location);
    expect(after.status).toBe(404);
    expect(await errorCodes(after)).toEqual(["BLOB_UPLOAD_UNKNOWN"]);
  });

  test("a chunk that does not continue where the upload ends is refused with 416", async () => {
    const location = await startUpload(regcache.url, "myorg/chunked");
    const first = randomBytes(1000);
    const ok = await fetch(location, { method: "PATCH", headers: { "content-range": "0-999" }, body: first });
    expect(ok.status).toBe(202);
    const gap = await fetch(location, { method: "PATCH", headers: { "content-range": "2000-2999" }, body: randomBytes(1000) });
    expect(gap.status).toBe(416);
    expect(gap.headers.get("range")).toBe("0-999");
    await gap.body?.cancel();
    // Nothing of the refused chunk was kept: the upload still finishes as the first chunk.
    const put = await fetch(withDigest(location, sha256(first)), { method: "PUT" });
    expect(put.status).toBe(201);
  });

  test("a cross-repository mount links an existing blob without sending it again", async () => {
    const bytes = randomBytes(200_000);
    const digest = await pushBlob(regcache.url, "myorg/source", bytes);

    const mount = await fetch(`${regcache.url}/v2/myorg/target/blobs/uploads/?mount=${digest}&from=myorg/source`, { method: "POST" });
    expect(mount.status).toBe(201);
    expect(mount.headers.get("docker-content-digest")).toBe(digest);
    expect(absolute(regcache.url, mount.headers.get("location"))).toBe(`${regcache.url}/v2/myorg/target/blobs/${digest}`);

    const head = await fetch(`${regcache.url}/v2/myorg/target/blobs/${digest}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(bytes.length));
    const get = await fetch(`${regcache.url}/v2/myorg/target/blobs/${digest}`);
    expect(sha256(new Uint8Array(await get.arrayBuffer()))).toBe(digest);
  });

  test("a mount from a repository that lacks the blob falls back to an upload session", async () => {
    const bytes = randomBytes(5_000);
    const digest = await pushBlob(regcache.url, "myorg/has-it", bytes);

    const mount = await fetch(`${regcache.url}/v2/myorg/wants-it/blobs/uploads/?mount=${digest}&from=myorg/lacks-it`, { method: "POST" });
    expect(mount.status).toBe(202);
    const location = absolute(regcache.url, mount.headers.get("location"));
    // Not linked: the target repository cannot serve it yet.
    const before = await fetch(`${regcache.url}/v2/myorg/wants-it/blobs/${digest}`);
    expect(before.status).toBe(404);
    expect(await errorCodes(before)).toEqual(["BLOB_UNKNOWN"]);

    const put = await fetch(withDigest(location, digest), { method: "PUT", body: bytes });
    expect(put.status).toBe(201);
    const after = await fetch(`${regcache.url}/v2/myorg/wants-it/blobs/${digest}`);
    expect(after.status).toBe(200);
    expect(sha256(new Uint8Array(await after.arrayBuffer()))).toBe(digest);
  });
});
