// What the admin API and /metrics show about prefetching: tagged images of
// cached repositories with their completeness, and the queue.
import { taggedManifests } from "../db/queries/completeness.ts";
import { countJobs, listJobs, type JobCounts } from "../db/queries/prefetch-jobs.ts";
import type { PrefetchContext } from "./context.ts";
import { sweep, upstreamOfRepository, type SweepResult } from "./sweep.ts";
import { imageStatus } from "./status.ts";
import type { UpstreamGate } from "./upstream-gate.ts";
import type { WorkerPool } from "./workers.ts";

export interface ImageRow {
  repository: string;
  tag: string;
  digest: string;
  media_type: string;
  complete: boolean;
  missing_blobs: number;
  missing_manifests: number;
  /** Lower bound while index children are missing (their layers are not known yet). */
  missing_bytes: number;
  total_bytes: number;
  last_confirmed: string | null;
}

export interface QueueView {
  counts: JobCounts & { running: number };
  /** Upstreams in an outage: paused until `until`, then probing with one job at a time. */
  paused_upstreams: { upstream: string; failure: string; until: string; failures: number; probing: boolean }[];
  jobs: { id: number; kind: string; upstream: string; repository: string; digest: string; size: number | null; state: string; running: boolean; priority: number; attempts: number; next_try: string; last_error: string | null; last_failure: string | null }[];
}

export interface PrefetchReadSide {
  images(filter?: { repository?: string; incomplete?: boolean }): ImageRow[];
  queue(limit?: number): QueueView;
  sweep(): SweepResult;
  /** Refreshes the gauges at scrape time. */
  collect(): void;
}

export function createReadSide(ctx: PrefetchContext, gate: UpstreamGate, pool: WorkerPool, sweepQuietMs = Number.MAX_SAFE_INTEGER): PrefetchReadSide {
  const upstreams = () => ctx.pullThrough.upstreamNames();
  let pausedBefore = new Set<string>();
  return {
    images(filter = {}) {
      const rows: ImageRow[] = [];
      for (const t of taggedManifests(ctx.db)) {
        const upstream = upstreamOfRepository(upstreams(), t.repository);
        if (!upstream || (filter.repository && t.repository !== filter.repository)) continue;
        const s = imageStatus(ctx.db, t.repository, t.manifestId, ctx.platformsFor(upstream, t.repository));
        if (filter.incomplete && s.complete) continue;
        rows.push({
          repository: t.repository,
          tag: t.tag,
          digest: t.digest,
          media_type: t.mediaType,
          complete: s.complete,
          missing_blobs: s.missingBlobs,
          missing_manifests: s.missingManifests.length,
          missing_bytes: s.missingBytes,
          total_bytes: s.totalBytes,
          last_confirmed: t.confirmedAt === null ? null : new Date(t.confirmedAt).toISOString(),
        });
      }
      return rows;
    },
    queue(limit = 100) {
      const running = new Set(pool.runningJobs.map((j) => j.id));
      const now = ctx.now();
      return {
        counts: { ...countJobs(ctx.db), running: running.size },
        paused_upstreams: gate.snapshot(now).map((s) => ({ ...s, until: new Date(s.until).toISOString() })),
        jobs: listJobs(ctx.db, limit).map((j) => ({
          id: j.id,
          kind: j.kind,
          upstream: j.upstream,
          repository: j.repository,
          digest: j.digest,
          size: j.size,
          state: j.state,
          running: running.has(j.id),
          priority: j.priority,
          attempts: j.attempts,
          next_try: new Date(j.nextTryAt).toISOString(),
          last_error: j.lastError,
          last_failure: j.lastFailure,
        })),
      };
    },
    // Run by hand, the sweep re-arms no failed job: that stays the schedule's business.
    sweep: () => sweep(ctx, sweepQuietMs),
    collect() {
      const c = countJobs(ctx.db);
      const running = pool.runningJobs.length;
      ctx.metrics.jobs.set(c.queued, { state: "queued" });
      ctx.metrics.jobs.set(c.retrying, { state: "retrying" });
      ctx.metrics.jobs.set(c.failed, { state: "failed" });
      ctx.metrics.jobs.set(running, { state: "running" });
      const paused = gate.snapshot(ctx.now());
      for (const u of pausedBefore) ctx.metrics.paused.set(0, { upstream: u.split("\u0000")[0]!, class: u.split("\u0000")[1]! });
      pausedBefore = new Set(paused.map((p) => `${p.upstream}\u0000${p.failure}`));
      for (const p of paused) ctx.metrics.paused.set(1, { upstream: p.upstream, class: p.failure });
    },
  };
}
