// The worker pool: up to `concurrency` jobs at a time, taken from the queue
// in priority order. One dispatcher fills free slots, then sleeps until
// something can change: a job ends, new work is queued (wake), the earliest
// retry falls due, or a paused upstream reopens. It never polls faster than
// MIN_SLEEP_MS, so a queue it cannot serve yet costs no CPU and no requests.
import type { Db } from "../db/client.ts";
import { deleteJob, earliestDue, nextDueJob, recordJobFailure, type PrefetchJob } from "../db/queries/prefetch-jobs.ts";
import type { Logger } from "../telemetry/log.ts";
import { type BackoffPolicy, classifyFailure, retryDelay } from "./backoff.ts";
import type { PrefetchMetrics } from "./metrics.ts";
import type { JobResult } from "./run-job.ts";
import type { UpstreamGate } from "./upstream-gate.ts";

const MIN_SLEEP_MS = 100;
const MAX_SLEEP_MS = 30_000;

export type JobOutcome = { ok: true; bytes: number } | { ok: false; failure: string; message: string; gaveUp: boolean };

export interface WorkerPoolDeps {
  db: Db;
  log: Logger;
  metrics: PrefetchMetrics;
  gate: UpstreamGate;
  now: () => number;
  concurrency: number;
  backoff: BackoffPolicy;
  maxAttempts: number;
  run(job: PrefetchJob): Promise<JobResult>;
}

export class WorkerPool {
  private readonly running = new Map<number, { job: PrefetchJob; done: Promise<void> }>();
  private readonly listeners = new Set<(job: PrefetchJob, outcome: JobOutcome) => void>();
  private stopped = true;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly deps: WorkerPoolDeps) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.dispatch();
  }

  /** New work was queued: look now rather than at the next timer. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Called after every job attempt (pull runs watch their blobs with this). */
  onSettled(fn: (job: PrefetchJob, outcome: JobOutcome) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get runningJobs(): PrefetchJob[] {
    return [...this.running.values()].map((r) => r.job);
  }

  /** Stops taking jobs and waits up to `waitMs` for running ones; what is left stays queued. */
  async stop(waitMs: number): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
    const all = Promise.allSettled([...this.running.values()].map((r) => r.done));
    await Promise.race([all, new Promise((r) => setTimeout(r, waitMs))]);
  }

  private async dispatch(): Promise<void> {
    while (!this.stopped) {
      try {
        this.fill();
      } catch (e) {
        this.deps.log.error("prefetch queue unreadable", { error: String(e) });
      }
      await this.sleep();
    }
  }

  private fill(): void {
    const { db, gate, now, concurrency } = this.deps;
    while (this.running.size < concurrency) {
      const jobs = this.runningJobs;
      const blocked = gate.blocked(now(), new Set(jobs.map((j) => j.upstream)));
      const job = nextDueJob(db, now(), { runningIds: jobs.map((j) => j.id), runningDigests: jobs.map((j) => j.digest), pausedUpstreams: blocked });
      if (!job) return;
      const done = this.execute(job)
        // Only the queue's own bookkeeping can fail here (the database gone at shutdown); the job stays queued.
        .catch((e) => this.deps.log.error("prefetch job bookkeeping failed", { id: job.id, digest: job.digest, error: String(e) }))
        .finally(() => {
          this.running.delete(job.id);
          this.wake();
        });
      this.running.set(job.id, { job, done });
    }
  }

  private sleep(): Promise<void> {
    const { db, gate, now } = this.deps;
    const t = now();
    const candidates = [earliestDue(db), gate.nextReopen(t)].filter((x): x is number => x !== undefined && x > t);
    // Due work that is blocked (its digest is running) waits for a job to end, which wakes us.
    const next = candidates.length ? Math.min(...candidates) - t : MAX_SLEEP_MS;
    const ms = Math.min(MAX_SLEEP_MS, Math.max(MIN_SLEEP_MS, next));
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        // Let a burst of wakes (a manifest queueing 20 blobs) cost one pass.
        setTimeout(finish, 0);
      };
    });
  }

  private async execute(job: PrefetchJob): Promise<void> {
    const { db, log, metrics, gate, now } = this.deps;
    let outcome: JobOutcome;
    try {
      const result = await this.deps.run(job);
      deleteJob(db, job.id);
      gate.succeeded(job.upstream);
      metrics.done.inc({ upstream: job.upstream, kind: job.kind });
      outcome = { ok: true, bytes: result.bytes };
    } catch (e) {
      // A failure caused by our own shutdown (the client pool closing) is not the job's fault.
      if (this.stopped) return;
      const f = classifyFailure(e);
      const attempts = job.attempts + 1;
      const gaveUp = attempts >= this.deps.maxAttempts;
      const delay = retryDelay(attempts, this.deps.backoff, Math.random, f.retryAfterMs);
      recordJobFailure(db, job.id, { attempts, nextTryAt: now() + delay, gaveUp, error: f.message, failure: f.failure }, now());
      metrics.failures.inc({ upstream: job.upstream, class: f.failure });
      if (gaveUp) metrics.gaveUp.inc({ upstream: job.upstream, class: f.failure });
      const pause = gate.failed(job.upstream, f.failure, now(), f.retryAfterMs);
      const fields = { upstream: job.upstream, repository: job.repository, kind: job.kind, digest: job.digest, attempts, upstream_failure: f.failure, error: f.message };
      if (gaveUp) log.warn("prefetch job gave up; the sweep re-arms it later", fields);
      else log.warn("prefetch job failed; will retry", { ...fields, retry_in_ms: delay });
      if (pause !== undefined) log.warn("prefetch paused for upstream", { upstream: job.upstream, upstream_failure: f.failure, pause_ms: pause });
      outcome = { ok: false, failure: f.failure, message: f.message, gaveUp };
    }
    for (const fn of this.listeners) fn(job, outcome);
  }
}
