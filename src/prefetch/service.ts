// The prefetcher, composed after the cache: the queue's worker pool, the
// schedules, the pull runs of `regcache prefetch`, and the read side the admin
// API shows. The queue hook (queue-hook.ts) was built before the cache and
// only wakes the pool built here. start()/stop() follow the server's lifecycle.
import type { PullThrough } from "../cache/service.ts";
import type { Config } from "../config/schema.ts";
import type { Db } from "../db/client.ts";
import type { Logger } from "../telemetry/log.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import type { PrefetchContext } from "./context.ts";
import { prefetchMetrics } from "./metrics.ts";
import { platformPolicy, type PlatformsFor } from "./platforms.ts";
import { PullRuns, type PullProgress } from "./pulls.ts";
import { createPrefetchQueue, type PrefetchQueue } from "./queue-hook.ts";
import { createReadSide, type PrefetchReadSide } from "./read-side.ts";
import { runJob } from "./run-job.ts";
import { scheduleSpecs } from "./schedule-specs.ts";
import { Schedules, type ScheduleInfo } from "./schedules.ts";
import { throttle, TokenBucket } from "./token-bucket.ts";
import { UpstreamGate } from "./upstream-gate.ts";
import { WorkerPool } from "./workers.ts";

/** What the admin API offers about prefetching. */
export interface PrefetchApi extends PrefetchReadSide {
  startPull(refs: string[], platforms?: string[]): PullProgress;
  pull(id: string): PullProgress;
  schedules(): ScheduleInfo[];
  runSchedule(name: string): Promise<unknown>;
}

export interface Prefetcher {
  readonly api: PrefetchApi;
  start(): void;
  /** Stops schedules and workers, waiting up to `waitMs` for running jobs; the rest stays queued. */
  stop(waitMs: number): Promise<void>;
}

/** The config's answers the queue and the workers share. */
export function prefetchPolicies(config: Config): { platformsFor: PlatformsFor; referrers: (upstream: string) => boolean } {
  const referrerUpstreams = new Set(config.upstream.filter((u) => u.referrers).map((u) => u.name));
  return { platformsFor: platformPolicy(config), referrers: (u) => referrerUpstreams.has(u) };
}

/** Step one of start-up, before the cache exists: the hook the cache calls. */
export function createQueue(deps: { config: Config; db: Db; log: Logger; now: () => number }): PrefetchQueue {
  return createPrefetchQueue({ ...deps, ...prefetchPolicies(deps.config) });
}

export interface PrefetcherDeps {
  config: Config;
  db: Db;
  log: Logger;
  metrics: Metrics;
  now: () => number;
  queue: PrefetchQueue;
  pullThrough: PullThrough;
}

/** Step two, after the cache: workers, schedules, pulls and the read side. */
export function createPrefetcher(deps: PrefetcherDeps): Prefetcher {
  const { config, db, log, now, pullThrough } = deps;
  const p = config.prefetch;
  const metrics = prefetchMetrics(deps.metrics);
  const backoff = { baseMs: p.retry_backoff, maxMs: p.max_retry_backoff };
  const gate = new UpstreamGate(backoff);
  const bucket = p.max_bandwidth ? new TokenBucket(p.max_bandwidth) : undefined;
  // Only downloads a worker starts are capped; a client's pull never is (but a client
  // that joins a download a worker started reads it at the worker's pace).
  const throttleFor = (upstream: string) => (body: ReadableStream<Uint8Array>) => throttle(body, bucket, (n) => metrics.bytes.inc({ upstream }, n));
  // The workers run jobs with ctx, and ctx wakes them: wake() is only called once both exist.
  const ctx: PrefetchContext = { db, log, metrics, now, pullThrough, ...prefetchPolicies(config), throttle: throttleFor, wake: () => workers.wake() };
  const workers = new WorkerPool({ db, log, metrics, gate, now, concurrency: p.concurrency, backoff, maxAttempts: p.max_attempts, run: (job) => runJob(ctx, job) });
  deps.queue.onQueued(() => workers.wake());
  const pulls = new PullRuns(ctx, workers);
  const readSide = createReadSide(ctx, gate, workers);
  const schedules = new Schedules(scheduleSpecs(ctx, config, backoff.maxMs), log, metrics);
  const stopCollecting = deps.metrics.onCollect(() => readSide.collect());
  const api: PrefetchApi = { ...readSide, startPull: (refs, pl) => pulls.start(refs, pl), pull: (id) => pulls.get(id), schedules: () => schedules.list(), runSchedule: (name) => schedules.fire(name) };

  return {
    api,
    start() {
      workers.start();
      schedules.start();
      log.info("prefetcher started", { concurrency: p.concurrency, max_bandwidth: p.max_bandwidth || "unlimited", sweep: p.sweep || "off", images: p.image.length, complete_on_pull: p.complete_on_pull, pull_delay_ms: p.pull_delay });
    },
    async stop(waitMs) {
      stopCollecting();
      await schedules.stop();
      await workers.stop(waitMs);
    },
  };
}
