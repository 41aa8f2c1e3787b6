// Worker entry point (Bun and Deno alike: node:fs and node:crypto only): hashes blob
// bytes and writes them to their temporary files (see BlobWriterThread in types.ts).
// Each chunk arrives transferred and goes back transferred once it is hashed and
// written, so the bytes are never copied between the threads. Built into the binary as
// a second entry point (build/build.ts).
import { createHash, type Hash } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";
import type { WriterReply, WriterRequest } from "./blob-writer-protocol.ts";

declare const self: {
  onmessage: ((event: MessageEvent<WriterRequest>) => void) | null;
  postMessage(message: WriterReply, transfer?: Transferable[]): void;
};

interface Job {
  fd: number | undefined;
  hash: Hash;
  algorithm: string;
  position: number;
  /** The first failure: every later write of this sink fails with it, so no write lands after a hole. */
  error: { message: string; code?: string } | undefined;
}

const jobs = new Map<number, Job>();

function failure(e: unknown): { message: string; code?: string } {
  const err = e as NodeJS.ErrnoException;
  return { message: err?.message ?? String(e), code: err?.code };
}

self.onmessage = (event) => {
  const m = event.data;
  if ("open" in m) {
    const job: Job = { fd: undefined, hash: createHash(m.algorithm), algorithm: m.algorithm, position: m.position, error: undefined };
    try {
      job.fd = openSync(m.path, "r+");
    } catch (e) {
      job.error = failure(e);
    }
    jobs.set(m.open, job);
    return;
  }
  if ("write" in m) {
    const job = jobs.get(m.write);
    const bytes = new Uint8Array(m.buffer, m.offset, m.length);
    if (job && !job.error) {
      try {
        job.hash.update(bytes);
        for (let done = 0; done < bytes.byteLength; ) {
          done += writeSync(job.fd!, bytes, done, bytes.byteLength - done, job.position + done);
        }
        job.position += bytes.byteLength;
      } catch (e) {
        job.error = failure(e);
      }
    }
    const error = job ? job.error : { message: "unknown blob sink" };
    if (m.keep) {
      self.postMessage({ id: m.write, buffer: m.buffer, offset: m.offset, length: m.length, error }, [m.buffer]);
      return;
    }
    // Nobody waits for these bytes (a prefetch, or every client left): free them now.
    // Dropped, they would be garbage until the next collection, and a download makes
    // 512 MiB of it in a second (bench/README.md: the peak halves).
    (m.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer }).transfer?.(0);
    self.postMessage({ id: m.write, buffer: undefined, offset: m.offset, length: m.length, error });
    return;
  }
  if ("digest" in m) {
    const job = jobs.get(m.digest);
    if (!job || job.error) self.postMessage({ id: m.digest, error: job?.error ?? { message: "unknown blob sink" } });
    else self.postMessage({ id: m.digest, digest: `${job.algorithm}:${job.hash.digest("hex")}` });
    return;
  }
  if ("close" in m) {
    const job = jobs.get(m.close);
    jobs.delete(m.close);
    try {
      if (job?.fd !== undefined) closeSync(job.fd);
    } catch {
      // Closing a descriptor fails only when it is already gone.
    }
    self.postMessage({ id: m.close, closed: true });
  }
};
