// Low-level file helpers: streaming a web stream into a file while hashing it,
// fsync, and atomic promotion by rename.
import { readlinkSync } from "node:fs";
import { type FileHandle, mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { type Algorithm, Digester } from "../oci/digest.ts";
import type { BlobSink } from "../platform/types.ts";
import { isDiskFull, StorageFull, TooLarge } from "./errors.ts";

export interface WriteResult {
  bytes: number;
  digest: string;
}

/** What pipeToFile writes to: a file as it is (uploads), or a BlobSink that also hashes. */
export type ChunkWriter = Pick<BlobSink, "depth" | "write">;

/**
 * Appends a stream to a writer, in order. Memory stays flat: at most `writer.depth`
 * chunks are in flight (being written, or hashed and written on the writer thread)
 * while the next one is read from the socket. A chunk counts as written (onChunk, with
 * the bytes the writer handed back) only once its write is done. `keep`, asked as each
 * chunk goes to the writer, says whether anybody will want its bytes then; when not, the
 * writer may free them and onChunk gets only the count. `limit` caps the bytes accepted
 * from this stream.
 */
export async function pipeToFile(
  source: ReadableStream<Uint8Array>,
  writer: ChunkWriter,
  options: {
    limit?: number;
    onChunk?: (chunk: Uint8Array | undefined, bytes: number) => void;
    keep?: () => boolean;
    charge?: (bytes: number) => void | Promise<void>;
  } = {},
): Promise<number> {
  const reader = source.getReader();
  let bytes = 0;
  // Each write's hand-on (onChunk) waits for the one before, so the chunks are handed on in
  // order however the writes finish; `written` is the write itself, which must end before
  // the caller may close or remove the file, even when an earlier one failed.
  const inFlight: { written: Promise<Uint8Array | undefined>; handed: Promise<void> }[] = [];
  let last: Promise<void> = Promise.resolve();
  try {
    for (;;) {
      const next = reader.read();
      while (inFlight.length >= writer.depth) {
        // Settle the read too if the write fails, so its rejection is never unobserved.
        next.catch(() => {});
        await inFlight.shift()!.handed;
      }
      const { done, value } = await next;
      if (done) break;
      bytes += value.byteLength;
      if (options.limit !== undefined && bytes > options.limit) throw new TooLarge(options.limit);
      // The quota sees each chunk before it reaches the disk (it may evict first, or refuse).
      const charging = options.charge?.(value.byteLength);
      if (charging) await charging;
      const length = value.byteLength;
      const written = writer.write(value, options.keep?.() ?? true);
      written.catch(() => {});
      last = Promise.all([last, written]).then(([, chunk]) => options.onChunk?.(chunk, length));
      last.catch(() => {});
      inFlight.push({ written, handed: last });
    }
    await last;
  } catch (e) {
    await Promise.allSettled(inFlight.map((w) => w.written));
    await reader.cancel().catch(() => {});
    throw e;
  } finally {
    reader.releaseLock();
  }
  return bytes;
}

/** Writes to an open file as it is (a client's upload chunk: hashed once it is complete). */
export function fileWriter(file: FileHandle, path?: string): ChunkWriter {
  return {
    depth: 1,
    async write(chunk) {
      await writeAll(file, chunk, path);
      return chunk;
    },
  };
}

/** Hashes and writes a blob on the event loop (the runtime has no writer thread, or it failed). */
export function inlineSink(path: string, algorithm: Algorithm, position: number): BlobSink {
  const digester = new Digester(algorithm);
  let file: Promise<FileHandle> | undefined;
  let at = position;
  return {
    depth: 1,
    async write(chunk) {
      file ??= open(path, "r+");
      digester.update(chunk);
      await writeAll(await file, chunk, path, at);
      at += chunk.byteLength;
      return chunk;
    },
    async digest() {
      return digester.digest();
    },
    async close() {
      const f = file;
      file = undefined;
      await (await f?.catch(() => undefined))?.close().catch(() => {});
    },
  };
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

/** Writes all of `chunk`, at `position` when given (else at the file's own offset). */
async function writeAll(file: FileHandle, chunk: Uint8Array, path: string | undefined, position?: number): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    try {
      const at = position === undefined ? null : position + offset;
      const { bytesWritten } = await file.write(chunk, offset, chunk.byteLength - offset, at);
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
