// Low-level file helpers: streaming a web stream into a file while hashing it,
// fsync, and atomic promotion by rename.
import { readlinkSync } from "node:fs";
import { type FileHandle, mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { type Algorithm, Digester } from "../oci/digest.ts";
import { isDiskFull, StorageFull, TooLarge } from "./errors.ts";

export interface WriteResult {
  bytes: number;
  digest: string;
}

/**
 * Appends a stream to an open file, hashing what passes. Memory stays flat:
 * one chunk at a time. `limit` caps the bytes accepted from this stream.
 */
export async function pipeToFile(
  source: ReadableStream<Uint8Array>,
  file: FileHandle,
  options: { digester?: Digester; limit?: number; onChunk?: (chunk: Uint8Array) => void; path?: string; charge?: (bytes: number) => void | Promise<void> } = {},
): Promise<number> {
  const reader = source.getReader();
  let bytes = 0;
  // One write in flight while the next chunk is read and hashed: the disk write (on the
  // runtime's thread pool) overlaps the socket and the hash instead of adding to them.
  // Memory: one chunk more. A chunk counts as written (onChunk) only once its write is done.
  let writing: { done: Promise<void>; chunk: Uint8Array } | undefined;
  try {
    for (;;) {
      const next = reader.read();
      if (writing) {
        // Settle the read too if the write fails, so its rejection is never unobserved.
        next.catch(() => {});
        await writing.done;
        options.onChunk?.(writing.chunk);
        writing = undefined;
      }
      const { done, value } = await next;
      if (done) break;
      bytes += value.byteLength;
      if (options.limit !== undefined && bytes > options.limit) throw new TooLarge(options.limit);
      // The quota sees each chunk before it reaches the disk (it may evict first, or refuse).
      const charging = options.charge?.(value.byteLength);
      if (charging) await charging;
      options.digester?.update(value);
      writing = { done: writeAll(file, value, options.path), chunk: value };
    }
  } catch (e) {
    // A write still in flight must end before the caller closes or removes the file.
    await writing?.done.catch(() => {});
    await reader.cancel().catch(() => {});
    throw e;
  } finally {
    reader.releaseLock();
  }
  return bytes;
}

/**
 * The file's path for an error message. A FileHandle does not keep its path, and
 * the disk-full message must name the directory an operator has to clean up
 * (it said "." before); callers that know the path pass it, else Linux's
 * /proc/self/fd tells.
 */
function pathOf(file: FileHandle, known: string | undefined): string {
  if (known) return known;
  try {
    return readlinkSync(`/proc/self/fd/${file.fd}`);
  } catch {
    return "the storage directory";
  }
}

async function writeAll(file: FileHandle, chunk: Uint8Array, path: string | undefined): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    try {
      const { bytesWritten } = await file.write(chunk, offset, chunk.byteLength - offset);
      offset += bytesWritten;
    } catch (e) {
      if (isDiskFull(e)) throw new StorageFull(dirname(pathOf(file, path)));
      throw e;
    }
  }
}

/** Hashes a whole file by streaming it. */
export async function hashFile(path: string, algorithm: Algorithm): Promise<WriteResult> {
  const digester = new Digester(algorithm);
  const file = await open(path, "r");
  try {
    const buffer = new Uint8Array(1 << 20);
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.byteLength, null);
      if (bytesRead === 0) break;
      digester.update(buffer.subarray(0, bytesRead));
      bytes += bytesRead;
    }
    return { bytes, digest: digester.digest() };
  } finally {
    await file.close();
  }
}

/** fsyncs a file by path. */
export async function fsyncPath(path: string): Promise<void> {
  const file = await open(path, "r");
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Renames a verified file into place and makes the rename durable. */
export async function promote(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await rename(from, to);
  // fsync the directory so the new name survives a power loss, not just a crash.
  try {
    await fsyncPath(dirname(to));
  } catch {
    // Some filesystems refuse to open directories for sync; the rename still happened.
  }
}

export async function removeQuietly(path: string): Promise<void> {
  await rm(path, { force: true }).catch(() => {});
}
