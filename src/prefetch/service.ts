// The prefetcher, composed: the queue's worker pool, the store hook that
// queues a manifest's content, the schedules, the pull runs of `regcache
// prefetch`, and the read side the admin API shows. start()/stop() follow
// the server's lifecycle; the hook may be called before start() (it only queues).
import type { ManifestStoredHook } from "../cache/context.ts";
import type { PullThrough } from "../cache/service.ts";
import type { BlobStore } from "../blobstore/store.ts";
import type { Config } from "../config/schema.ts";
import type { Db } from "../db/client.ts";
import type { Logger } from "../telemetry/log.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import type { PrefetchContext } from "./context.ts";
import { prefetchMetrics } from "./metrics.ts";
import { planManifest } from "./plan.ts";
import { platformPolicy } from "./platforms.ts";
import { createReadSide, type PrefetchReadSide } from "./read-side.ts";
import { PullRuns, type PullProgress } from "./pulls.ts";
import { runJob } from "./run-job.ts";
import { scheduleSpecs } from "./schedule-specs.ts";
import { Schedules, type ScheduleInfo } from "./schedules.ts";
import { throttledClients } from "./throttled-client.ts";
import { UpstreamGate } from "./upstream-gate.ts";
import { WorkerPool } from "./workers.ts";

export interface PrefetcherDeps {
  config: Config;
  db: Db;
  store: BlobStore;
  log: Logger;
  metrics: Metrics;
  now?: () => number;
}

/** What the admin API offers about prefetching. */
export interface PrefetchApi extends PrefetchReadSide {
  startPull(refs: string[], platforms?: string[]): PullProgress;
  pull(id: string): PullProgress;
  schedules(): ScheduleInfo[];
  runSchedule(name: string): Promise<unknown>;
}

export interface Prefetcher {
  onManifestStored: ManifestStoredHook;
  start(pullThrough: PullThrough): void;
  /** Stops schedules and workers, waiting up to `waitMs` for running jobs; the rest stays queued. */
  stop(waitMs: number): Promise<void>;
  /** Available after start(). */
  readonly api: PrefetchApi;
}

export function createPrefetcher(deps: PrefetcherDeps): Prefetcher {
  const { config, db, log } = deps;
  const p = config.prefetch;
  const now = deps.now ?? Date.now;
  const metrics = prefetchMetrics(deps.metrics);
  const platformsFor = platformPolicy(config);
  const referrerUpstreams = new Set(config.upstream.filter((u) => u.referrers).map((u) => u.name));
  const referrers = (u: string) => referrerUpstreams.has(u);
  const backoff = { baseMs: p.retry_backoff, maxMs: p.max_retry_backoff };
  const gate = new UpstreamGate(backoff);
  let ctx: PrefetchContext | undefined;
  let pool: WorkerPool | undefined;
  let schedules: Schedules | undefined;
  let api: PrefetchApi | undefined;

  const onManifestStored: ManifestStoredHook = (e) => {
    if (!p.complete_on_pull) return;
    try {
      planManifest(db, { upstream: e.upstream, remoteName: e.remoteName, localName: e.localName }, e.digest, e.parsed, { platforms: platformsFor(e.upstream, e.localName), referrers: referrers(e.upstream), urgent: false, delayMs: p.pull_delay }, now());
      pool?.wake();
    } catch (err) {
      // The client's pull succeeded; the sweep will find what could not be queued.
      log.error("prefetch: could not queue a stored manifest's content", { repository: e.localName, digest: e.digest, error: String(err) });
    }
  };

  return {
    onManifestStored,
    start(pullThrough) {
      const clients = throttledClients(pullThrough, p.max_bandwidth || undefined, (upstream, n) => metrics.bytes.inc({ upstream }, n));
      const context: PrefetchContext = { db, store: deps.store, log, metrics, now, pullThrough, platformsFor, referrers, client: clients, wake: () => pool?.wake() };
      ctx = context;
      pool = new WorkerPool({ db, log, metrics, gate, now, concurrency: p.concurrency, backoff, maxAttempts: p.max_attempts, run: (job) => runJob(context, job) });
      const pulls = new PullRuns(context, pool);
      const readSide = createReadSide(context, gate, pool);
      schedules = new Schedules(scheduleSpecs(context, config, backoff.maxMs), log, metrics);
      const s = schedules;
      api = { ...readSide, startPull: (refs, pl) => pulls.start(refs, pl), pull: (id) => pulls.get(id), schedules: () => s.list(), runSchedule: (name) => s.fire(name) };
      deps.metrics.onCollect(() => readSide.collect());
      pool.start();
      schedules.start();
      log.info("prefetcher started", { concurrency: p.concurrency, max_bandwidth: p.max_bandwidth || "unlimited", sweep: p.sweep || "off", images: p.image.length, complete_on_pull: p.complete_on_pull, pull_delay_ms: p.pull_delay });
    },
    async stop(waitMs) {
      await schedules?.stop();
      await pool?.stop(waitMs);
    },
    get api() {
      if (!api || !ctx) throw new Error("prefetcher not started");
      return api;
    },
  };
}
