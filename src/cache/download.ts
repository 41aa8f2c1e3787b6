// One upstream download of one blob. It belongs to the cache, not to the
// client that triggered it: it runs to the end even if every client leaves,
// so the bytes a slow link delivered once are never thrown away. Bytes go to
// a temporary file as they arrive; clients read that file as it grows
// (tail-reader.ts), so memory stays flat however many clients wait, and a
// client that arrives late still gets every byte from the start.
import type { PendingBlob } from "../blobstore/pending-blob.ts";
import type { BlobStore } from "../blobstore/store.ts";
import { SizeMismatch } from "../blobstore/errors.ts";
import type { BlobResult } from "../upstream/index.ts";

export interface DownloadLimits {
  /** The descriptor's size, when a stored manifest of the repository references the blob. */
  expectedSize?: number;
  /** storage.max_blob_size: the bound when neither the descriptor nor Content-Length gives a size. */
  maxBytes: number;
}

export type DownloadState = "starting" | "running" | "done" | "failed";

export class Download {
  state: DownloadState = "starting";
  /** Bytes written to the temporary file so far. */
  written = 0;
  /** The chunk written last and where it starts in the blob: a reader that has caught up
   *  takes it from here instead of reading it back from the file (one copy and one read(2)
   *  less per chunk). Only a reference to bytes already in memory; replaced at each chunk. */
  recent: { at: number; bytes: Uint8Array } | undefined;
  /** The blob's size: the descriptor's when a stored manifest gave it, else the upstream's Content-Length, if any. */
  size: number | undefined;
  error: Error | undefined;
  /** Clients reading this download as it grows (tail-reader.ts): while there are none, the
   *  writer thread frees each chunk instead of sending its bytes back. */
  readers = 0;
  /** Every byte is written and matched the digest: clients may have the last byte, even
   *  while the file is still being fsynced and moved into the store. */
  verified = false;
  readonly tmpPath: string;
  readonly finalPath: string;
  private readonly pending: PendingBlob;
  /** Settles when the upstream answered (size known) or failed. */
  readonly started: Promise<void>;
  /** Settles when the blob is in the store (resolves) or the download failed (rejects). */
  readonly finished: Promise<number>;
  private waiters: (() => void)[] = [];
  private resolveStarted!: () => void;
  private rejectStarted!: (e: Error) => void;

  constructor(
    readonly digest: string,
    store: BlobStore,
    fetch: () => Promise<BlobResult>,
    private readonly limits: DownloadLimits,
    private readonly onChunk: (n: number) => void = () => {},
  ) {
    this.pending = store.pending(digest);
    this.tmpPath = this.pending.path;
    this.finalPath = this.pending.finalPath;
    this.started = new Promise((resolve, reject) => {
      this.resolveStarted = resolve;
      this.rejectStarted = reject;
    });
    // Nobody may be awaiting these yet; keep an unobserved failure from crashing the process.
    this.started.catch(() => {});
    this.finished = this.run(fetch);
    this.finished.catch(() => {});
  }

  /** Resolves at the next change (bytes written, done or failed). */
  progress(): Promise<void> {
    if (this.state === "done" || this.state === "failed") return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async run(fetch: () => Promise<BlobResult>): Promise<number> {
    const pending = this.pending;
    try {
      const upstream = await fetch();
      const { expectedSize, maxBytes } = this.limits;
      if (expectedSize !== undefined && upstream.size !== undefined && upstream.size !== expectedSize) {
        upstream.abort();
        throw new SizeMismatch(expectedSize, upstream.size, "Content-Length");
      }
      this.size = expectedSize ?? upstream.size;
      // The quota decides before the first byte reaches a client: evict now, or refuse (507).
      if (this.size !== undefined) {
        try {
          await pending.reserve(this.size);
        } catch (e) {
          upstream.abort();
          throw e;
        }
      }
      await pending.open();
      this.state = "running";
      this.resolveStarted();
      // Past its size the body is not this blob, whatever it is: stop at once rather than
      // fill the disk with an endless stream nobody may be reading any more.
      await pending.append(
        upstream.body,
        this.size ?? maxBytes,
        (chunk, bytes) => {
          this.recent = chunk ? { at: pending.bytes - bytes, bytes: chunk } : undefined;
          this.written = pending.bytes;
          this.onChunk(bytes);
          this.notify();
        },
        // A chunk's bytes come back from the writer thread only while somebody reads this
        // download (a reader that arrives later reads the file). One nobody reads (a prefetch,
        // every client gone) then leaves no garbage behind: 512 MiB of it per 512 MiB blob.
        () => this.readers > 0,
      );
      await pending.verify(this.size);
      // Why before the fsync: the clients' bytes are proven right now, and durability is
      // the store's concern; making them wait for the disk flush (hundreds of ms for a
      // large layer) would add that to every cold pull.
      this.verified = true;
      this.notify();
      await pending.commit();
      this.state = "done";
      this.recent = undefined;
      this.notify();
      return this.written;
    } catch (e) {
      this.error = e as Error;
      this.state = "failed";
      this.recent = undefined;
      this.rejectStarted(this.error);
      this.notify();
      await pending.discard();
      throw e;
    }
  }
}
