// Queries on prefetch_jobs, the prefetcher's persistent queue. A row is work
// still to do; a finished job is deleted. Claiming happens in memory (the
// worker pool keeps the ids it runs), so a crash leaves every job queued.
import { and, asc, count, desc, eq, lte, notInArray, or, gt, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { prefetchJobs } from "../schema.ts";

export type JobKind = "blob" | "manifest" | "referrers";
export type PrefetchJob = typeof prefetchJobs.$inferSelect;

export interface NewJob {
  upstream: string;
  repository: string;
  remoteName: string;
  kind: JobKind;
  digest: string;
  size?: number;
  priority?: number;
}

/**
 * Queues a job, due at `dueAt` (default now); a job already queued for the
 * same (repository, kind, digest) is kept, at most made due earlier. `urgent` (someone asked for it now) raises the priority, makes it due now,
 * and gives a failed job a fresh set of attempts.
 */
export function enqueueJob(db: Db, job: NewJob, now: number, options: { urgent?: boolean; dueAt?: number } = {}): void {
  const urgent = options.urgent ?? false;
  const row = { ...job, size: job.size ?? null, priority: job.priority ?? 0, nextTryAt: urgent ? now : (options.dueAt ?? now), createdAt: now, updatedAt: now };
  const insert = db.insert(prefetchJobs).values(row);
  if (!urgent) {
    // An earlier due time wins (a schedule queues what a client's pull queued with a delay),
    // but never over a job's backoff.
    insert
      .onConflictDoUpdate({
        target: [prefetchJobs.repository, prefetchJobs.kind, prefetchJobs.digest],
        set: { nextTryAt: sql`case when ${prefetchJobs.attempts} = 0 then min(${prefetchJobs.nextTryAt}, excluded.next_try_at) else ${prefetchJobs.nextTryAt} end` },
      })
      .run();
    return;
  }
  insert
    .onConflictDoUpdate({
      target: [prefetchJobs.repository, prefetchJobs.kind, prefetchJobs.digest],
      set: {
        priority: sql`max(${prefetchJobs.priority}, excluded.priority)`,
        attempts: sql`case when ${prefetchJobs.state} = 'failed' then 0 else ${prefetchJobs.attempts} end`,
        state: "queued",
        nextTryAt: sql`min(${prefetchJobs.nextTryAt}, ${now})`,
        updatedAt: now,
      },
    })
    .run();
}

export interface ClaimFilter {
  /** Jobs running now, and digests being downloaded now (another repository's job may share one). */
  runningIds: number[];
  runningDigests: string[];
  /** Upstreams paused or probing after failures; urgent jobs (priority > 0) still go, someone waits for them. */
  pausedUpstreams: string[];
}

/** The next due job: highest priority first, then the longest waiting. */
export function nextDueJob(db: Db, now: number, f: ClaimFilter): PrefetchJob | undefined {
  const conditions = [eq(prefetchJobs.state, "queued"), lte(prefetchJobs.nextTryAt, now)];
  if (f.runningIds.length) conditions.push(notInArray(prefetchJobs.id, f.runningIds));
  if (f.runningDigests.length) conditions.push(notInArray(prefetchJobs.digest, f.runningDigests));
  if (f.pausedUpstreams.length) conditions.push(or(gt(prefetchJobs.priority, 0), notInArray(prefetchJobs.upstream, f.pausedUpstreams))!);
  return db
    .select()
    .from(prefetchJobs)
    .where(and(...conditions))
    .orderBy(desc(prefetchJobs.priority), asc(prefetchJobs.nextTryAt), asc(prefetchJobs.id))
    .limit(1)
    .get();
}

/** When the earliest queued job falls due (ms), or undefined for an empty queue. */
export function earliestDue(db: Db): number | undefined {
  const row = db.select({ at: sql<number | null>`min(${prefetchJobs.nextTryAt})` }).from(prefetchJobs).where(eq(prefetchJobs.state, "queued")).get();
  return row?.at ?? undefined;
}

export function deleteJob(db: Db, id: number): void {
  db.delete(prefetchJobs).where(eq(prefetchJobs.id, id)).run();
}

export interface JobFailure {
  attempts: number;
  nextTryAt: number;
  gaveUp: boolean;
  error: string;
  failure: string;
}

export function recordJobFailure(db: Db, id: number, f: JobFailure, now: number): void {
  db.update(prefetchJobs)
    .set({ attempts: f.attempts, nextTryAt: f.nextTryAt, state: f.gaveUp ? "failed" : "queued", lastError: f.error, lastFailure: f.failure, updatedAt: now })
    .where(eq(prefetchJobs.id, id))
    .run();
}

/** Failed jobs that gave up at least `quietMs` ago get another set of attempts. Returns how many. */
export function rearmFailedJobs(db: Db, now: number, quietMs: number): number {
  const r = db
    .update(prefetchJobs)
    .set({ state: "queued", attempts: 0, nextTryAt: now, updatedAt: now })
    .where(and(eq(prefetchJobs.state, "failed"), lte(prefetchJobs.updatedAt, now - quietMs)))
    .run() as { changes?: number };
  return r.changes ?? 0;
}

export function findJob(db: Db, repository: string, kind: JobKind, digest: string): PrefetchJob | undefined {
  return db
    .select()
    .from(prefetchJobs)
    .where(and(eq(prefetchJobs.repository, repository), eq(prefetchJobs.kind, kind), eq(prefetchJobs.digest, digest)))
    .get();
}

export interface JobCounts {
  /** Waiting for their first attempt. */
  queued: number;
  /** Failed at least once, will be tried again. */
  retrying: number;
  /** Gave up after max_attempts. */
  failed: number;
}

export function countJobs(db: Db): JobCounts {
  const rows = db
    .select({ state: prefetchJobs.state, retry: sql<number>`${prefetchJobs.attempts} > 0`, n: count() })
    .from(prefetchJobs)
    .groupBy(prefetchJobs.state, sql`${prefetchJobs.attempts} > 0`)
    .all();
  const out: JobCounts = { queued: 0, retrying: 0, failed: 0 };
  for (const r of rows) {
    if (r.state === "failed") out.failed += r.n;
    else if (Number(r.retry)) out.retrying += r.n;
    else out.queued += r.n;
  }
  return out;
}

/** Jobs for the admin API: failing ones first, then by due time. */
export function listJobs(db: Db, limit: number): PrefetchJob[] {
  return db
    .select()
    .from(prefetchJobs)
    .orderBy(desc(prefetchJobs.attempts), asc(prefetchJobs.nextTryAt), asc(prefetchJobs.id))
    .limit(limit)
    .all();
}
