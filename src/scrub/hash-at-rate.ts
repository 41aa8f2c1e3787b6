// Re-hashes a stored file without hogging the disk or the event loop: chunks of at most
// 1 MiB, each read only once the token bucket (storage.scrub_rate) lets its bytes pass,
// and every read is asynchronous, so requests are served between two chunks.
import { open } from "node:fs/promises";
import { type Algorithm, Digester } from "../oci/digest.ts";
import type { TokenBucket } from "../prefetch/token-bucket.ts";
import { ScrubStopped } from "./errors.ts";

/** Which file was hashed: a rename into blobs/ (a fresh verified download) gives a new one. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

export interface HashedFile {
  bytes: number;
  digest: string;
  identity: FileIdentity;
}

export interface HashOptions {
  bucket: TokenBucket;
  signal?: AbortSignal;
  /** Called with each chunk's size once it is hashed (progress, metrics). */
  onBytes?: (n: number) => void;
  /** Largest read; default 1 MiB. The scrub passes at most one second of its rate, so that no
   *  wait for the bucket is longer than about a second and a stop is noticed soon. */
  chunkSize?: number;
}

export const MAX_CHUNK = 1 << 20;

/** Hashes the file at `path`; rejects with ENOENT when it is not there, ScrubStopped on abort. */
export async function hashAtRate(path: string, algorithm: Algorithm, options: HashOptions): Promise<HashedFile> {
  const file = await open(path, "r");
  try {
    const st = await file.stat();
    const digester = new Digester(algorithm);
    const chunk = Math.max(1, Math.min(options.chunkSize ?? MAX_CHUNK, MAX_CHUNK));
    // Small blobs (configs) get a small buffer: a store holds many of them.
    const buffer = new Uint8Array(Math.min(chunk, Math.max(1, st.size)));
    let bytes = 0;
    for (;;) {
      if (options.signal?.aborted) throw new ScrubStopped();
      // Ask for what this read will take, so the rate holds on the disk, not just on the hash.
      // A file that grew since stat (it cannot under blobs/, but be safe) still reads to its end.
      const want = Math.max(1, Math.min(buffer.byteLength, st.size - bytes));
      await options.bucket.take(want);
      const { bytesRead } = await file.read(buffer, 0, buffer.byteLength, null);
      if (bytesRead === 0) break;
      digester.update(buffer.subarray(0, bytesRead));
      bytes += bytesRead;
      options.onBytes?.(bytesRead);
    }
    return { bytes, digest: digester.digest(), identity: { dev: st.dev, ino: st.ino } };
  } finally {
    await file.close();
  }
}
