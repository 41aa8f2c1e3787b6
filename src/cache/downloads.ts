// Single-flight blob downloads: one upstream download per (upstream, digest),
// however many clients (or prefetch workers) ask at once. Keyed by upstream
// too, because bytes are untrusted until verified: a client of upstream A must
// never read a stream that hostile upstream B is still sending. A finished
// download records the blob; a failed one leaves nothing in the store.
import { DigestMismatch, SizeMismatch, TooLarge } from "../blobstore/errors.ts";
import { referencedSize } from "../db/queries/manifests.ts";
import { findRepositoryId } from "../db/queries/repositories.ts";
import type { BlobStore } from "../blobstore/store.ts";
import type { Db } from "../db/client.ts";
import { recordBlob } from "../db/queries/blobs.ts";
import { ensureRepository } from "../db/queries/repositories.ts";
import { leases } from "../lifecycle/leases.ts";
import type { Logger } from "../telemetry/log.ts";
import { type BlobResult, UpstreamError, type UpstreamClient } from "../upstream/index.ts";
import { Download, type DownloadLimits } from "./download.ts";
import type { CacheMetrics } from "./metrics.ts";
import type { Target } from "./targets.ts";

/** Turns an upstream's blob body into the one the download reads (the prefetcher's bandwidth cap). */
export type BodyFilter = (body: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;

const keyOf = (upstream: string, digest: string) => `${upstream}\u0000${digest}`;

export class BlobDownloads {
  private readonly active = new Map<string, Download>();
  /** The remote repository each running download was started for. */
  private readonly started = new Map<string, string>();

  constructor(private readonly deps: { store: BlobStore; db: Db; log: Logger; metrics: CacheMetrics; now: () => number; maxBlobBytes: number }) {}

  /** The bounds of a download for this repository: the size its stored manifests give the blob, else max_blob_size. */
  private limitsOf(target: Target, digest: string): DownloadLimits {
    const repositoryId = findRepositoryId(this.deps.db, target.localName);
    const expectedSize = repositoryId === undefined ? undefined : referencedSize(this.deps.db, repositoryId, digest);
    return { expectedSize, maxBytes: this.deps.maxBlobBytes };
  }

  /** The download of `digest` from `target`'s upstream, joining one in progress or starting one. */
  get(target: Target, digest: string, client: UpstreamClient, filter?: BodyFilter): Download {
    const key = keyOf(target.upstream, digest);
    const existing = this.active.get(key);
    if (existing) return existing;
    const { store, db, log, metrics, now } = this.deps;
    const started = now();
    const fetch = async (): Promise<BlobResult> => {
      const r = await client.blob(target.remoteName, digest);
      return filter ? { ...r, body: filter(r.body) } : r;
    };
    // Leased from before the first byte until the blob is recorded: GC and eviction keep their
    // hands off a digest being written (lifecycle/remove-files.ts says why that matters).
    const release = leases.acquire(digest);
    const d = new Download(digest, store, fetch, this.limitsOf(target, digest), (n) => metrics.bytesFetched.inc({ upstream: target.upstream }, n));
    this.active.set(key, d);
    this.started.set(key, target.remoteName);
    metrics.inflight.set(this.active.size);
    d.finished.then(
      (size) => {
        // The first write for this repository: only verified content creates rows (reads never write).
        // A failing bookkeeping write (a closing database) is logged, never an unhandled rejection:
        // the file is in the store, and the next start or the prefetch sweep records it.
        try {
          this.record(target, digest, size);
        } catch (e) {
          log.error("blob stored but not recorded", { upstream: target.upstream, digest, error: String(e) });
          return;
        }
        metrics.downloads.inc({ upstream: target.upstream, result: "ok" });
        log.info("blob cached", { upstream: target.upstream, repository: target.remoteName, digest, bytes: size, duration_ms: now() - started });
      },
      (e: Error) => {
        const mismatch = e instanceof DigestMismatch || e instanceof SizeMismatch || e instanceof TooLarge;
        metrics.downloads.inc({ upstream: target.upstream, result: mismatch ? "digest-mismatch" : "failed" });
        const failure = e instanceof UpstreamError ? e.failure : mismatch ? "invalid-response" : undefined;
        if (failure) metrics.upstreamFailures.inc({ upstream: target.upstream, class: failure });
        log.warn(mismatch ? "upstream sent corrupt blob; nothing cached" : "blob download failed", {
          upstream: target.upstream,
          repository: target.remoteName,
          digest,
          error: e.message,
          ...(failure ? { upstream_failure: failure } : {}),
        });
      },
    ).finally(() => {
      release();
      this.active.delete(key);
      this.started.delete(key);
      metrics.inflight.set(this.active.size);
    });
    return d;
  }

  /** Records a verified file of the store as `target`'s blob: its first write may create the repository row. */
  record(target: Target, digest: string, size: number): void {
    const { db, now } = this.deps;
    db.transaction(() => recordBlob(db, digest, size, ensureRepository(db, target.localName), now()));
  }

  /** The download of `digest` from `upstream` in progress, if any. */
  find(upstream: string, digest: string): Download | undefined {
    return this.active.get(keyOf(upstream, digest));
  }

  /** The remote repository a running download of `digest` from `upstream` was started for. */
  startedFor(upstream: string, digest: string): string | undefined {
    return this.started.get(keyOf(upstream, digest));
  }

  /** Resolves once every running download has ended (stored or failed), or after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<void> {
    const all = Promise.all([...this.active.values()].map((d) => d.finished.catch(() => {})));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([all, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Downloads in progress (for shutdown and tests). */
  get count(): number {
    return this.active.size;
  }
}
