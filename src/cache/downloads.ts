// Single-flight blob downloads: one upstream download per digest, however
// many clients (or prefetch workers) ask at once. A finished download records
// the blob; a failed one leaves nothing in the store.
import { DigestMismatch, SizeMismatch } from "../blobstore/errors.ts";
import type { BlobStore } from "../blobstore/store.ts";
import { recordBlob } from "../db/queries/blobs.ts";
import type { Db } from "../db/client.ts";
import type { Logger } from "../telemetry/log.ts";
import { UpstreamError, type UpstreamClient } from "../upstream/index.ts";
import { Download } from "./download.ts";
import type { CacheMetrics } from "./metrics.ts";

export class BlobDownloads {
  private readonly active = new Map<string, Download>();

  constructor(private readonly deps: { store: BlobStore; db: Db; log: Logger; metrics: CacheMetrics }) {}

  /** The download of `digest`, joining one in progress or starting one. */
  get(digest: string, client: UpstreamClient, remoteName: string, repositoryId: number): Download {
    const existing = this.active.get(digest);
    if (existing) return existing;
    const { store, db, log, metrics } = this.deps;
    const started = Date.now();
    const d = new Download(digest, store, () => client.blob(remoteName, digest), (n) => metrics.bytesFetched.inc({ upstream: client.name }, n));
    this.active.set(digest, d);
    metrics.inflight.set(this.active.size);
    d.finished.then(
      (size) => {
        recordBlob(db, digest, size, repositoryId);
        metrics.downloads.inc({ upstream: client.name, result: "ok" });
        log.info("blob cached", { upstream: client.name, repository: remoteName, digest, bytes: size, duration_ms: Date.now() - started });
      },
      (e: Error) => {
        const mismatch = e instanceof DigestMismatch || e instanceof SizeMismatch;
        metrics.downloads.inc({ upstream: client.name, result: mismatch ? "digest-mismatch" : "failed" });
        if (e instanceof UpstreamError) metrics.upstreamFailures.inc({ upstream: client.name, class: e.failure });
        log.warn(mismatch ? "upstream sent corrupt blob; nothing cached" : "blob download failed", {
          upstream: client.name,
          repository: remoteName,
          digest,
          error: e.message,
          ...(e instanceof UpstreamError ? { upstream_failure: e.failure } : {}),
        });
      },
    ).finally(() => {
      this.active.delete(digest);
      metrics.inflight.set(this.active.size);
    });
    return d;
  }

  /** The download of `digest` in progress, if any (the prefetcher shows its bytes as progress). */
  find(digest: string): Download | undefined {
    return this.active.get(digest);
  }

  /** Downloads in progress (for shutdown and tests). */
  get count(): number {
    return this.active.size;
  }
}
