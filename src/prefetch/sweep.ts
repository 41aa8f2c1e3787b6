// The sweep: find cached content that is incomplete and queue what it misses.
// It is the safety net behind the queue (a job lost to a bug, a config that
// widened `platforms`, jobs that gave up): cheap SQL over manifest_refs, no
// upstream requests of its own. Failed jobs get new attempts once they have
// been quiet for max_retry_backoff, so a dead upstream sees at most one round
// of retries per that period.
import { missingBlobs, missingChildren, taggedManifests } from "../db/queries/completeness.ts";
import { enqueueJob, rearmFailedJobs } from "../db/queries/prefetch-jobs.ts";
import type { PrefetchContext } from "./context.ts";
import { matchesPlatform } from "./platforms.ts";
import { imageStatus } from "./status.ts";

export interface SweepResult {
  /** Missing blobs and index children found (each queued unless it already was). */
  blobsMissing: number;
  childrenMissing: number;
  rearmed: number;
  incompleteImages: number;
  completeImages: number;
  missingBytes: number;
}

export function upstreamOfRepository(upstreams: Iterable<string>, repository: string): string | undefined {
  for (const u of upstreams) if (repository.startsWith(`${u}/`)) return u;
  return undefined;
}

export function sweep(ctx: PrefetchContext, quietMs: number): SweepResult {
  const { db } = ctx;
  const now = ctx.now();
  const upstreams = ctx.pullThrough.upstreamNames();
  const result: SweepResult = { blobsMissing: 0, childrenMissing: 0, rearmed: rearmFailedJobs(db, now, quietMs), incompleteImages: 0, completeImages: 0, missingBytes: 0 };
  db.transaction(() => {
    for (const row of missingBlobs(db)) {
      const upstream = upstreamOfRepository(upstreams, row.repository);
      if (!upstream) continue; // a local repository: nothing to fetch from
      enqueueJob(db, { upstream, repository: row.repository, remoteName: row.repository.slice(upstream.length + 1), kind: "blob", digest: row.digest, size: row.size }, now);
      result.blobsMissing++;
    }
    for (const row of missingChildren(db)) {
      const upstream = upstreamOfRepository(upstreams, row.repository);
      if (!upstream || !matchesPlatform(row.platform, ctx.platformsFor(upstream, row.repository))) continue;
      enqueueJob(db, { upstream, repository: row.repository, remoteName: row.repository.slice(upstream.length + 1), kind: "manifest", digest: row.digest, size: row.size }, now);
      result.childrenMissing++;
    }
  });
  for (const image of taggedManifests(db)) {
    const upstream = upstreamOfRepository(upstreams, image.repository);
    if (!upstream) continue;
    const status = imageStatus(db, image.repository, image.manifestId, ctx.platformsFor(upstream, image.repository));
    if (status.complete) result.completeImages++;
    else result.incompleteImages++;
    result.missingBytes += status.missingBytes;
  }
  ctx.metrics.images.set(result.completeImages, { state: "complete" });
  ctx.metrics.images.set(result.incompleteImages, { state: "incomplete" });
  ctx.metrics.missingBytes.set(result.missingBytes);
  if (result.blobsMissing + result.childrenMissing + result.rearmed > 0) ctx.wake();
  return result;
}
