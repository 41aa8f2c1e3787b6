// The ONE way bytes enter the store, for upstream downloads and client uploads
// alike: into a temporary file under tmp/ (hashed as they pass, on the writer
// thread when there is one, or hashed when a finished upload is adopted),
// verified against the digest (and the size, when known), fsynced, and only then
// renamed under blobs/. A crash at any point leaves a file in tmp/, which the
// next start removes, or the verified file: never partial content under a digest.
import { type FileHandle, open, stat } from "node:fs/promises";
import { type Algorithm, Digester, parseDigest } from "../oci/digest.ts";
import type { BlobSink } from "../platform/types.ts";
import { DigestMismatch, SizeMismatch } from "./errors.ts";
import { hashFile, pipeToFile, promote, removeQuietly } from "./files.ts";
import { inlineSinks, type OpenSink } from "./sinks.ts";
import { chargeThen, type SpaceAccount, unlimitedSpace } from "./space.ts";

export class PendingBlob {
  /** Bytes in the temporary file so far. */
  bytes = 0;
  private file: FileHandle | undefined;
  private readonly algorithm: Algorithm;
  /** Hashes and writes the streamed bytes (opened at the first append, closed with the file). */
  private sink: BlobSink | undefined;
  private verified = false;
  /** The digest of an adopted file (hashed whole, not as it streamed in). */
  private adopted: string | undefined;
  /** Bytes of the temporary file the space account was charged for (credited if it is discarded). */
  private accounted = 0;
  /** Of `accounted`, bytes reserved ahead (reserve()) that no chunk has used yet. */
  private reserved = 0;

  constructor(
    readonly digest: string,
    /** The temporary file under tmp/ (readers of a download in progress tail it). */
    readonly path: string,
    /** Where the verified file goes. */
    readonly finalPath: string,
    /** The quota: charged chunk by chunk before each write (lifecycle/quota.ts). */
    private readonly space: SpaceAccount = unlimitedSpace,
    /** The writer thread's sinks, or the event loop's (sinks.ts). */
    private readonly sinks: OpenSink = inlineSinks,
  ) {
    this.algorithm = parseDigest(digest)!.algorithm;
  }

  /** Creates the temporary file, so that readers can open it before the first byte. */
  async open(): Promise<void> {
    this.file ??= await open(this.path, "w");
  }

  /**
   * Charges the quota for `bytes` before any is written (a download whose size is known):
   * a blob that cannot fit is refused before its response starts, so the client gets a
   * clean 507 instead of a transfer cut short. Chunks then use the reservation first.
   */
  async reserve(bytes: number): Promise<void> {
    const waiting = this.space.charge(bytes);
    if (waiting) await waiting;
    this.accounted += bytes;
    this.reserved += bytes;
  }

  /**
   * Appends a stream, hashing it; more than `limit` bytes in all is SizeMismatch. `onChunk`
   * sees each chunk once it is written: its bytes, unless `keep` said nobody would want them
   * (pipeToFile), and its length.
   */
  async append(
    source: ReadableStream<Uint8Array>,
    limit: number,
    onChunk?: (chunk: Uint8Array | undefined, bytes: number) => void,
    keep?: () => boolean,
  ): Promise<number> {
    await this.open();
    this.sink ??= this.sinks(this.path, this.algorithm, this.bytes);
    await pipeToFile(source, this.sink, {
      limit: limit - this.bytes,
      charge: (n) => {
        const covered = Math.min(n, this.reserved);
        this.reserved -= covered;
        if (covered === n) return;
        return chargeThen(this.space, n - covered, (c) => (this.accounted += c));
      },
      keep,
      onChunk: (chunk, bytes) => {
        this.bytes += bytes;
        onChunk?.(chunk, bytes);
      },
    });
    return this.bytes;
  }

  /** Takes over a finished file (a client's upload): moved into tmp/ first, so nobody can append to it while it is hashed. */
  async adopt(from: string): Promise<void> {
    await promote(from, this.path);
    const { bytes, digest } = await hashFile(this.path, this.algorithm);
    this.bytes = bytes;
    // The upload's bytes were charged as they arrived; from here this file carries them.
    this.accounted = bytes;
    this.adopted = digest;
    this.file = await open(this.path, "r+");
  }

  /** Throws DigestMismatch or SizeMismatch unless the bytes are exactly the blob's. */
  async verify(expectedSize?: number): Promise<void> {
    const actual = this.adopted ?? (this.sink ? await this.sink.digest() : new Digester(this.algorithm).digest());
    if (actual !== this.digest) throw new DigestMismatch(this.digest, actual);
    if (expectedSize !== undefined && this.bytes !== expectedSize) throw new SizeMismatch(expectedSize, this.bytes);
    this.verified = true;
  }

  /** fsyncs and renames the verified file into the store; returns its size. */
  async commit(): Promise<number> {
    if (!this.verified) throw new Error(`PendingBlob.commit before verify (${this.digest})`);
    await this.file!.sync();
    await this.close();
    // The same blob already stored (a second download, a re-push): the rename replaces
    // that file, so its bytes leave the store.
    const replaced = await stat(this.finalPath).then((s) => s.size, () => 0);
    await promote(this.path, this.finalPath);
    if (replaced > 0) this.space.credit(replaced);
    // A reservation larger than the file (never after verify(size)) goes back.
    if (this.reserved > 0) this.space.credit(this.reserved);
    this.accounted = 0;
    this.reserved = 0;
    return this.bytes;
  }

  /** Removes the temporary file (any failure: nothing is kept). */
  async discard(): Promise<void> {
    await this.close();
    await removeQuietly(this.path);
    if (this.accounted > 0) this.space.credit(this.accounted);
    this.accounted = 0;
    this.reserved = 0;
  }

  private async close(): Promise<void> {
    const sink = this.sink;
    this.sink = undefined;
    await sink?.close();
    const f = this.file;
    this.file = undefined;
    await f?.close().catch(() => {});
  }
}
