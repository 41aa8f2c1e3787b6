// Crash safety: kill -9 the binary in the middle of a 256 MiB upload, restart it, and
// check that nothing half-written became visible: no blob file under the digest, a
// database that passes PRAGMA integrity_check, BLOB_UNKNOWN for the blob. Then the same
// content uploads cleanly.
import { Database } from "bun:sqlite";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { errorCodes, startUpload, withDigest } from "./oci-http.ts";
import { randomContent, type RandomContent } from "./random-stream.ts";
import { startRegcache, type RegcacheProcess } from "./regcache-process.ts";

const SIZE = 256 * 1024 * 1024;
// The kill comes once the server has written this much of the upload to disk.
const KILL_AFTER = 64 * 1024 * 1024;

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function integrityCheck(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.query("PRAGMA integrity_check").all() as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
  } finally {
    db.close();
  }
}

describe("kill -9 during a 256 MiB upload (binary)", () => {
  let regcache: RegcacheProcess;
  let content: RandomContent;
  const blobFile = () => join(regcache.storageDir, "blobs", "sha256", content.digest.slice(7, 9), content.digest.slice(7));
  const blobUrl = () => `${regcache.url}/v2/myorg/big/blobs/${content.digest}`;
  // The upload session that was cut by the kill, for the resume test.
  let interrupted: { location: string; partial: string } | undefined;

  beforeAll(async () => {
    content = randomContent(SIZE);
    regcache = await startRegcache();
  });

  afterAll(async () => {
    await regcache?.dispose();
  });

  test("after the crash and a restart, no trace of the blob is visible and the database is intact", async () => {
    const location = await startUpload(regcache.url, "myorg/big");
    const id = new URL(location).pathname.split("/").pop()!;
    const partial = join(regcache.storageDir, "uploads", id);
    interrupted = { location, partial };
    const onDisk = () => (existsSync(partial) ? statSync(partial).size : 0);

    const source = content.stream();
    const patch = fetch(location, {
      method: "PATCH",
      headers: { "content-type": "application/octet-stream" },
      body: source.body,
      duplex: "half",
    } as RequestInit).then(
      (response) => `answered ${response.status}`,
      (error: unknown) => `failed: ${String(error)}`,
    );

    await waitFor(`${KILL_AFTER} bytes of the upload on disk`, () => onDisk() >= KILL_AFTER, 60_000);
    const status = await regcache.kill9();
    expect(status.signal).toBe("SIGKILL");
    // The client saw the connection die; it never got an answer.
    expect(await patch).toMatch(/^failed: /);
    const received = onDisk();
    expect(received).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(received).toBeLessThan(SIZE);
    expect(source.sent()).toBeLessThan(SIZE);

    // Right after the crash, before regcache gets a chance to tidy anything up.
    expect(existsSync(blobFile())).toBe(false);
    expect(integrityCheck(join(regcache.storageDir, "regcache.db"))).toEqual(["ok"]);

    await regcache.restart();
    expect(existsSync(blobFile())).toBe(false);
    expect(integrityCheck(join(regcache.storageDir, "regcache.db"))).toEqual(["ok"]);
    const get = await fetch(blobUrl());
    expect(get.status).toBe(404);
    expect(await errorCodes(get)).toEqual(["BLOB_UNKNOWN"]);
    const head = await fetch(blobUrl(), { method: "HEAD" });
    expect(head.status).toBe(404);
  });

  test("the same content then uploads completely and reads back", async () => {
    const location = await startUpload(regcache.url, "myorg/big");
    const source = content.stream();
    const put = await fetch(withDigest(location, content.digest), {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: source.body,
      duplex: "half",
    } as RequestInit);
    expect(put.status).toBe(201);
    expect(put.headers.get("docker-content-digest")).toBe(content.digest);
    expect(source.digest()).toBe(content.digest);
    expect(statSync(blobFile()).size).toBe(SIZE);

    const head = await fetch(blobUrl(), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(SIZE));
    expect(integrityCheck(join(regcache.storageDir, "regcache.db"))).toEqual(["ok"]);
  });

  test("the interrupted session resumes from the offset the server reports", async () => {
    const { location, partial } = interrupted!;
    const kept = statSync(partial).size;
    const status = await fetch(location);
    expect(status.status).toBe(204);
    // Whatever reached the disk before the kill is the resume point.
    expect(status.headers.get("range")).toBe(`0-${kept - 1}`);

    const source = content.stream(kept);
    const patch = await fetch(location, {
      method: "PATCH",
      headers: { "content-type": "application/octet-stream", "content-range": `${kept}-${SIZE - 1}` },
      body: source.body,
      duplex: "half",
    } as RequestInit);
    expect(patch.status).toBe(202);
    expect(patch.headers.get("range")).toBe(`0-${SIZE - 1}`);
    const put = await fetch(withDigest(location, content.digest), { method: "PUT" });
    expect(put.status).toBe(201);
    expect(put.headers.get("docker-content-digest")).toBe(content.digest);
  });
});
