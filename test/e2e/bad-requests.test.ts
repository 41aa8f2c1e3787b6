// Bad requests against the compiled binary: each gets its OCI error code and leaves the
// store as it was (no blob file, no manifest, tag or blob row appears).
import { Database } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeImage } from "../helpers/oci-image.ts";
import { errorCodes, pushBlob, sha256, startUpload, withDigest } from "./oci-http.ts";
import { startRegcache, type RegcacheProcess } from "./regcache-process.ts";

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe("bad requests (binary)", () => {
  let regcache: RegcacheProcess;
  let snapshot: () => unknown;

  beforeAll(async () => {
    regcache = await startRegcache();
    // Some content, so that "unchanged" is about a store with something in it.
    await pushBlob(regcache.url, "myorg/app", randomBytes(10_000));
    // What a bad request must not change: verified blob files and the rows that
    // make content visible. Upload sessions and repository rows may come and go.
    snapshot = () => {
      const db = new Database(join(regcache.storageDir, "regcache.db"), { readonly: true });
      try {
        const count = (table: string) => (db.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
        return {
          files: filesUnder(join(regcache.storageDir, "blobs")),
          blobs: count("blobs"),
          links: count("repository_blobs"),
          manifests: count("manifests"),
          tags: count("tags"),
        };
      } finally {
        db.close();
      }
    };
  });

  afterAll(async () => {
    await regcache?.dispose();
  });

  /** Runs `request`, expects the status and code, and that the store did not change. */
  async function expectRejected(request: () => Promise<Response>, status: number, code: string) {
    const before = snapshot();
    const response = await request();
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await errorCodes(response)).toEqual([code]);
    expect(snapshot()).toEqual(before);
  }

  const v2 = (path: string) => `${regcache.url}/v2/${path}`;
  const putManifest = (repo: string, ref: string, body: Uint8Array | string, type = "application/vnd.oci.image.manifest.v1+json") =>
    fetch(v2(`${repo}/manifests/${ref}`), { method: "PUT", headers: { "content-type": type }, body: body as BodyInit });

  describe("invalid repository names", () => {
    const names = [
      // %2F keeps the URL parser from resolving the dots before regcache sees them.
      ["a path escape", "myorg%2F..%2Fetc"],
      ["upper case", "MyOrg/app"],
      ["300 characters", "a".repeat(300)],
      ["an empty component", "myorg//app"],
    ];
    for (const [what, name] of names) {
      test(`${what}: NAME_INVALID on pull, push and upload`, async () => {
        await expectRejected(() => fetch(v2(`${name}/manifests/latest`)), 400, "NAME_INVALID");
        await expectRejected(() => putManifest(name!, "latest", makeImage({ layers: 1, layerSize: 10 }).manifest.bytes), 400, "NAME_INVALID");
        await expectRejected(() => fetch(v2(`${name}/blobs/uploads/`), { method: "POST" }), 400, "NAME_INVALID");
      });
    }
  });

  test("invalid digests: DIGEST_INVALID", async () => {
    await expectRejected(() => fetch(v2("myorg/app/blobs/sha256:xyz")), 400, "DIGEST_INVALID");
    await expectRejected(() => fetch(v2(`myorg/app/blobs/md5:${"0".repeat(32)}`)), 400, "DIGEST_INVALID");
    await expectRejected(() => fetch(v2("myorg/app/manifests/sha256:1234")), 400, "DIGEST_INVALID");
    await expectRejected(() => fetch(v2("myorg/app/blobs/uploads/?digest=sha256:nothex"), { method: "POST", body: "x" }), 400, "DIGEST_INVALID");
  });

  test("a body whose digest does not match: DIGEST_INVALID, nothing stored under either digest", async () => {
    const claimed = sha256(randomBytes(100));
    await expectRejected(
      () => fetch(v2(`myorg/app/blobs/uploads/?digest=${claimed}`), { method: "POST", body: randomBytes(100) }),
      400,
      "DIGEST_INVALID",
    );
    const location = await startUpload(regcache.url, "myorg/app");
    await expectRejected(() => fetch(withDigest(location, claimed), { method: "PUT", body: randomBytes(100) }), 400, "DIGEST_INVALID");
    const head = await fetch(v2(`myorg/app/blobs/${claimed}`), { method: "HEAD" });
    expect(head.status).toBe(404);
  });

  test("a truncated chunk: BLOB_UPLOAD_INVALID, and the upload cannot be finished as if whole", async () => {
    const intended = randomBytes(2000);
    const location = await startUpload(regcache.url, "myorg/app");
    // The Content-Range announces 2000 bytes; only the first 500 arrive.
    await expectRejected(
      () => fetch(location, { method: "PATCH", headers: { "content-range": "0-1999" }, body: intended.subarray(0, 500) }),
      400,
      "BLOB_UPLOAD_INVALID",
    );
    await expectRejected(() => fetch(withDigest(location, sha256(intended)), { method: "PUT" }), 400, "DIGEST_INVALID");
  });

  test("a manifest that references missing blobs: MANIFEST_BLOB_UNKNOWN", async () => {
    const image = makeImage({ layers: 2, layerSize: 100 });
    const before = snapshot();
    const response = await putManifest("myorg/app", "missing", image.manifest.bytes);
    // The spec leaves the status open ("a relevant 4xx"); the code is what clients match.
    expect([400, 404]).toContain(response.status);
    expect(await errorCodes(response)).toEqual(["MANIFEST_BLOB_UNKNOWN"]);
    expect(snapshot()).toEqual(before);
  });

  test("a manifest that is not JSON, or not a manifest: MANIFEST_INVALID", async () => {
    await expectRejected(() => putManifest("myorg/app", "broken", "{not json"), 400, "MANIFEST_INVALID");
    await expectRejected(() => putManifest("myorg/app", "broken", JSON.stringify({ schemaVersion: 2, layers: "no" })), 400, "MANIFEST_INVALID");
  });

  test("an over-size manifest: 413 SIZE_INVALID", async () => {
    const huge = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
    await expectRejected(() => putManifest("myorg/app", "huge", huge), 413, "SIZE_INVALID");
  });
});
