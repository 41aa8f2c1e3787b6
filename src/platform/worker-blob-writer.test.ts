// The blob writer thread (worker-blob-writer.ts, blob-writer-worker.ts) with a real
// worker from source: bytes land in order from the sink's position and hash to the
// right digest, chunks are moved (not copied) only when nothing else shares their
// buffer, a failed write fails every later one of that blob, a full disk is the store's
// StorageFull, and a dead or closed thread hands later blobs to the event loop.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { StorageFull } from "../blobstore/errors.ts";
import { threadedSinks } from "../blobstore/sinks.ts";
import { bunPlatform } from "./bun.ts";
import type { BlobWriterThread } from "./types.ts";
import { workerBlobWriter } from "./worker-blob-writer.ts";

let dir: string | undefined;
let thread: BlobWriterThread | undefined;
afterEach(async () => {
  await thread?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = thread = undefined;
});

function tempFile(content = ""): string {
  dir ??= mkdtempSync(join(tmpdir(), "regcache-blob-writer-"));
  const path = join(dir, `f${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, content);
  return path;
}
const sha256 = (b: Uint8Array | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);

test("chunks land in order from the sink's position; the digest covers what this sink wrote; the bytes come back", async () => {
  thread = bunPlatform.startBlobWriter!();
  const path = tempFile("head:");
  const sink = thread.open(path, "sha256", 5);
  const chunks = [bytes(100_000, 1), bytes(3, 2), bytes(70_000, 3), new Uint8Array(0), bytes(1, 4)];
  const expected = Buffer.concat(chunks.map((c) => Buffer.from(c)));
  // All in flight at once, as pipeToFile has them.
  const back = await Promise.all(chunks.map((c) => sink.write(c)));
  expect(Buffer.concat(back.map((c) => Buffer.from(c!)))).toEqual(expected);
  expect(await sink.digest()).toBe(sha256(expected));
  await sink.close();
  expect(readFileSync(path)).toEqual(Buffer.concat([Buffer.from("head:"), expected]));
});

test("a chunk that owns its buffer is moved to the thread; a view into a larger buffer is copied, and its owner keeps every byte", async () => {
  thread = bunPlatform.startBlobWriter!();
  const sink = thread.open(tempFile(), "sha256", 0);
  const owned = bytes(4096, 5);
  const returned = await sink.write(owned);
  expect(owned.byteLength).toBe(0); // detached: it went to the thread, not a copy of it
  expect(returned).toEqual(bytes(4096, 5));

  const shared = bytes(10_000, 6);
  const view = shared.subarray(1000, 3000);
  expect(await sink.write(view)).toEqual(bytes(10_000, 6).subarray(1000, 3000));
  expect(shared.byteLength).toBe(10_000);
  expect(shared).toEqual(bytes(10_000, 6));
  expect(view.byteLength).toBe(2000);
  await sink.close();
});

test("bytes nobody keeps are written and hashed, and not sent back", async () => {
  thread = bunPlatform.startBlobWriter!();
  const path = tempFile();
  const sink = thread.open(path, "sha256", 0);
  const dropped = bytes(200_000, 3);
  expect(await sink.write(dropped, false)).toBeUndefined();
  expect(dropped.byteLength).toBe(0); // moved to the thread, and freed there
  expect(await sink.write(bytes(10, 4), true)).toEqual(bytes(10, 4));
  const all = Buffer.concat([Buffer.from(bytes(200_000, 3)), Buffer.from(bytes(10, 4))]);
  expect(await sink.digest()).toBe(sha256(all));
  await sink.close();
  expect(readFileSync(path)).toEqual(all);
});

test("a full disk is StorageFull naming the folder; the blob's later writes and its digest fail too", async () => {
  thread = bunPlatform.startBlobWriter!();
  // Writes to /dev/full fail with ENOSPC, as on a full filesystem.
  const sink = threadedSinks(thread)("/dev/full", "sha256", 0);
  const first = sink.write(bytes(1000, 7));
  const second = sink.write(bytes(1000, 8));
  await expect(first).rejects.toBeInstanceOf(StorageFull);
  await expect(first).rejects.toMatchObject({ path: "/dev" });
  await expect(second).rejects.toBeInstanceOf(StorageFull);
  await expect(sink.digest()).rejects.toBeInstanceOf(StorageFull);
  await sink.close();
  // The thread itself is fine: the next blob is written there.
  expect(thread.failed).toBeUndefined();
  const next = thread.open(tempFile(), "sha256", 0);
  await next.write(bytes(10, 9));
  expect(await next.digest()).toBe(sha256(bytes(10, 9)));
  await next.close();
});

test("a file that cannot be opened fails the writes with its errno", async () => {
  thread = bunPlatform.startBlobWriter!();
  const sink = thread.open(join(tmpdir(), "regcache-no-such-dir", "x"), "sha256", 0);
  await expect(sink.write(bytes(10, 1))).rejects.toMatchObject({ code: "ENOENT" });
  await expect(sink.digest()).rejects.toMatchObject({ code: "ENOENT" });
  await sink.close();
});

/** A Worker that never answers, whose failure the test fires. */
function silentWorker() {
  const posted: unknown[] = [];
  const worker = {
    onmessage: null as ((e: MessageEvent) => void) | null,
    onerror: null as ((e: ErrorEvent) => void) | null,
    postMessage: (m: unknown) => posted.push(m),
    terminate() {},
  };
  return { worker, posted };
}

test("a thread that dies fails the writes in flight, says so once, and later blobs are written on the event loop", async () => {
  const { worker } = silentWorker();
  const dead = workerBlobWriter(worker as unknown as Worker);
  const failures: Error[] = [];
  dead.onFailure = (e) => failures.push(e);
  const sinks = threadedSinks(dead);
  const inFlight = sinks(tempFile(), "sha256", 0).write(bytes(100, 1));
  worker.onerror!({ message: "boom", preventDefault() {} } as ErrorEvent);
  worker.onerror!({ message: "again", preventDefault() {} } as ErrorEvent);
  await expect(inFlight).rejects.toThrow(/blob writer thread failed: boom/);
  expect(failures.map((e) => e.message)).toEqual(["blob writer thread failed: boom"]);
  expect(dead.failed?.message).toBe("blob writer thread failed: boom");

  const path = tempFile();
  const later = sinks(path, "sha256", 0);
  expect(later.depth).toBe(1); // the event loop's sink
  expect(await later.write(bytes(50, 2))).toEqual(bytes(50, 2));
  expect(await later.digest()).toBe(sha256(bytes(50, 2)));
  await later.close();
  expect(readFileSync(path)).toEqual(Buffer.from(bytes(50, 2)));
});

test("after close, the thread takes nothing more and blobs go to the event loop", async () => {
  const closed = bunPlatform.startBlobWriter!();
  await closed.close();
  expect(closed.failed).toBeDefined();
  await expect(closed.open(tempFile(), "sha256", 0).write(bytes(1, 1))).rejects.toThrow(/closed/);
  expect(threadedSinks(closed)(tempFile(), "sha256", 0).depth).toBe(1);
});
