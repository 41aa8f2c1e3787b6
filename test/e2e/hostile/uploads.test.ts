// Item 6 of issue 10: uploads that pin the disk. A refused PATCH appends
// nothing; sessions idle for storage.upload_expiry are swept, and so are
// upload files that lost their row (uploads-full-disk.test.ts has the DELETE
// on a full disk).
import { existsSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { errorCodes, startUpload } from "../oci-http.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";

let regcache: RegcacheProcess;

async function waitUntil(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  // extraToml follows [storage] in the generated config. 3 s: the sweep runs every second.
  regcache = await startRegcache({ extraToml: `upload_expiry = "3s"\n` });
});
afterAll(async () => regcache?.dispose());

const fileOf = (location: string) => join(regcache.storageDir, "uploads", new URL(location).pathname.split("/").at(-1)!);
const patch = (location: string, range: string, body: Uint8Array) =>
  fetch(location, { method: "PATCH", headers: { "content-type": "application/octet-stream", "content-range": range }, body: body as Uint8Array<ArrayBuffer> });

test("a chunk longer than its Content-Range: 400, and not one byte is appended", async () => {
  const location = await startUpload(regcache.url, "myorg/pinned");
  const refused = await patch(location, "0-99", new Uint8Array(randomBytes(50_000)));
  expect(refused.status).toBe(400);
  expect(await errorCodes(refused)).toEqual(["BLOB_UPLOAD_INVALID"]);
  expect(statSync(fileOf(location)).size).toBe(0);
  expect((await fetch(location)).headers.get("range")).toBe("0-0");
});

test("a chunk shorter than its Content-Range: 400, nothing appended, the session resumes at its old offset", async () => {
  const location = await startUpload(regcache.url, "myorg/pinned");
  expect((await patch(location, "0-9", new Uint8Array(10))).status).toBe(202);
  expect((await patch(location, "10-50009", new Uint8Array(randomBytes(30_000)))).status).toBe(400);
  expect(statSync(fileOf(location)).size).toBe(10);
  expect((await patch(location, "10-19", new Uint8Array(10))).status).toBe(202);
});

test("sessions idle past upload_expiry are removed with their files, and so are orphaned files", async () => {
  const location = await startUpload(regcache.url, "myorg/abandoned");
  expect((await patch(location, "0-999", new Uint8Array(1000))).status).toBe(202);
  // A file without a row, as a crash between the two writes of a POST leaves it; old enough to go.
  const orphan = join(regcache.storageDir, "uploads", randomUUID());
  writeFileSync(orphan, "left behind");
  utimesSync(orphan, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));

  await regcache.waitForLog("expired upload sessions removed", 30_000);
  // The orphan may go in an earlier pass than the session: wait for the pass that takes the session too.
  await waitUntil(() => !existsSync(fileOf(location)) && !existsSync(orphan), 30_000, "the sweep to remove the session and the orphan");
  expect(existsSync(orphan)).toBe(false);
  expect((await fetch(location)).status).toBe(404);
});
