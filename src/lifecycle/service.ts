// The disk lifecycle of a running regcache, built once per process (it keeps
// the byte account and the pull records across config reloads): start-up
// reconciliation and measurement, the quota on the write path, eviction, the
// GC schedule, admin-triggered GC runs with progress, and `du`'s report.
import { randomUUID } from "node:crypto";
import { setImmediate as nextTurn } from "node:timers/promises";
import { createTask, type ScheduledTask } from "node-cron";
import type { BlobStore } from "../blobstore/store.ts";
import type { Config } from "../config/schema.ts";
import type { Db } from "../db/client.ts";
import type { TagGuard } from "../repository/guard.ts";
import type { Logger } from "../telemetry/log.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import type { LifecycleContext } from "./context.ts";
import { evictUntil, type EvictionResult } from "./eviction.ts";
import { collectGarbage, type GcProgress } from "./gc.ts";
import { leases } from "./leases.ts";
import { resolveLimits, type StorageLimits } from "./limits.ts";
import { lifecycleMetrics } from "./metrics.ts";
import { storeClasses } from "./classes.ts";
import { computePins } from "./pins.ts";
import { PullRecorder } from "./pulls.ts";
import { Quota, type RoomReason } from "./quota.ts";
import { reconcile } from "./reconcile.ts";
import { usageReport, type UsageReport } from "./report.ts";
import { StoreUsage } from "./usage.ts";

export type GcTrigger = "schedule" | "quota" | "admin";

const QUOTA_SWEEP_EVERY_MS = 60_000;
/** The pinned/evictable gauges are refreshed after evictions and GC runs at most this often (a full metadata pass). */
export const CLASSIFY_EVERY_MS = 60_000;

export interface GcRun {
  id: string;
  dry_run: boolean;
  trigger: GcTrigger;
  state: "running" | "done" | "failed";
  started_at: string;
  finished_at: string | null;
  /** Unreferenced blobs past the grace period found so far, and what was (or would be) removed. */
  progress: GcProgress;
  /** Images evicted by unused_after in this run. */
  evicted: EvictionResult;
  error: string | null;
}

export interface Lifecycle {
  readonly pulls: PullRecorder;
  /** Reconciles, measures, installs the quota on the store and starts the schedule. Before the server listens. */
  start(): Promise<void>;
  /** The running config and guard (at start and after each reload). */
  use(config: Config, guard: TagGuard): void;
  report(): UsageReport;
  /** Starts a GC run (joins the one running); returns it at once. */
  startGc(options: { dryRun: boolean; trigger: GcTrigger }): GcRun;
  gcRun(id: string): GcRun | undefined;
  /** Runs a GC to the end (schedule, tests). */
  gc(options: { dryRun: boolean; trigger: GcTrigger }): Promise<GcRun>;
  /** The running byte account, for the status page (no walk of the store). */
  diskUse(): { usedBytes: number; freeBytes: number; filesystemBytes: number; maxSizeBytes: number };
  stop(): Promise<void>;
}

export interface LifecycleDeps {
  config: Config;
  db: Db;
  store: BlobStore;
  log: Logger;
  metrics: Metrics;
  now: () => number;
  /** At most one refresh of the pinned/evictable gauges per this many ms after evictions and GC (tests: 0). */
  classifyEveryMs?: number;
}

export function createLifecycle(deps: LifecycleDeps): Lifecycle {
  const { db, store, log, now } = deps;
  let config = deps.config;
  let guard: TagGuard | undefined;
  const metrics = lifecycleMetrics(deps.metrics);
  const usage = new StoreUsage(store.paths.root, store.paths.database);
  const pulls = new PullRecorder(db, log, now);
  const limits = (): StorageLimits => resolveLimits(config.storage, usage.fsBytes);
  const pins = () =>
    computePins(db, {
      guard: guard ?? { decide: () => ({ immutable: false }), checkRetag() {}, checkDelete() {} },
      prefetch: config.prefetch.image,
      upstreams: config.upstream.map((u) => u.name),
    });
  const ctx: LifecycleContext = { db, store, usage, leases, log, metrics, now, pins, flushPulls: () => pulls.flush(), storeChanged: () => classifySoon() };

  const runs = new Map<string, GcRun>();
  let current: { run: GcRun; done: Promise<GcRun> } | undefined;
  let task: ScheduledTask | undefined;
  let started = false;
  let stopping = false;

  // A write that does not fit: unreferenced blobs past the grace period go first (they
  // cost nothing to lose), then images in LRU order. The sweep reads every blob row, so it
  // runs at most once a minute for this: in a full cache every cold pull crosses the quota.
  let lastQuotaSweep = -Infinity;
  const makeRoom = async (reason: RoomReason, enough: () => boolean): Promise<number> => {
    let freed = 0;
    if (!current && now() - lastQuotaSweep > QUOTA_SWEEP_EVERY_MS) {
      lastQuotaSweep = now();
      const swept = await collectGarbage(ctx, { graceMs: config.storage.gc_grace, dryRun: false, stopping: () => stopping });
      freed += swept.bytes;
      if (swept.deleted > 0) {
        metrics.gcRuns.inc({ trigger: "quota", result: "ok" });
        metrics.gcFreedBytes.inc({}, swept.bytes);
        metrics.gcBlobs.inc({}, swept.deleted);
        log.info("garbage collected", { trigger: "quota", blobs: swept.deleted, bytes: swept.bytes });
      }
    }
    if (enough()) return freed;
    const evicted = await evictUntil(ctx, reason, enough);
    return freed + evicted.bytes;
  };
  const quota = new Quota(usage, limits, makeRoom, store.paths.root);

  const execute = async (run: GcRun): Promise<GcRun> => {
    const started = now();
    try {
      const unusedAfter = config.storage.unused_after;
      if (unusedAfter > 0 && !run.dry_run) {
        const cutoff = now() - unusedAfter;
        run.evicted = await evictUntil(ctx, "unused_after", () => false, (root) => root.lastUsed < cutoff);
      }
      run.progress = await collectGarbage(ctx, { graceMs: config.storage.gc_grace, dryRun: run.dry_run, onProgress: (p) => (run.progress = p), stopping: () => stopping });
      run.state = "done";
      // Also what pulls and pushes added since the last pass: a GC run (hourly by default)
      // bounds how stale the gauges get when nothing is evicted.
      classifySoon();
      if (!run.dry_run) {
        metrics.gcFreedBytes.inc({}, run.progress.bytes);
        metrics.gcBlobs.inc({}, run.progress.deleted);
        // The walk corrects whatever the running account missed (files changed by hand). In
        // the background: a stat per file is not part of the collection's time.
        if (!stopping) void usage.measure().catch(() => {});
      }
      log.info(run.dry_run ? "garbage collection dry run" : "garbage collected", { trigger: run.trigger, blobs: run.progress.deleted, bytes: run.progress.bytes, leased: run.progress.leased, evicted_unused: run.evicted.images.length, duration_ms: now() - started });
    } catch (e) {
      run.state = "failed";
      run.error = (e as Error).message;
      log.error("garbage collection failed", { trigger: run.trigger, error: String(e) });
    }
    run.finished_at = new Date(now()).toISOString();
    metrics.gcRuns.inc({ trigger: run.trigger, result: run.state === "done" ? "ok" : "failed" });
    metrics.gcDuration.set((now() - started) / 1000);
    return run;
  };

  const startGc = (options: { dryRun: boolean; trigger: GcTrigger }): { run: GcRun; done: Promise<GcRun> } => {
    if (current) return current;
    const run: GcRun = {
      id: randomUUID(),
      dry_run: options.dryRun,
      trigger: options.trigger,
      state: "running",
      started_at: new Date(now()).toISOString(),
      finished_at: null,
      progress: { scanned: 0, deleted: 0, bytes: 0, leased: 0, swept: 0 },
      evicted: { images: [], bytes: 0 },
      error: null,
    };
    runs.set(run.id, run);
    // Keep the last few runs for `regcache gc` to read.
    if (runs.size > 20) runs.delete(runs.keys().next().value!);
    const done = execute(run).finally(() => (current = undefined));
    current = { run, done };
    return current;
  };

  const schedule = () => {
    void task?.destroy();
    task = undefined;
    if (!config.storage.gc_schedule) return;
    task = createTask(config.storage.gc_schedule, () => void startGc({ dryRun: false, trigger: "schedule" }).done, {
      name: "regcache-gc",
      logger: { info: () => {}, debug: () => {}, warn: (m: string) => log.warn(`node-cron: ${m}`, { schedule: "gc" }), error: (m: unknown) => log.error(`node-cron: ${String(m)}`, { schedule: "gc" }) },
    } as never);
    void task.start();
  };

  deps.metrics.onCollect(() => {
    metrics.storeBytes.set(usage.used, { class: "total" });
    metrics.freeBytes.set(Math.max(0, usage.free));
    const l = limits();
    metrics.limitBytes.set(l.maxBytes, { limit: "max_size" });
    metrics.limitBytes.set(l.minFreeBytes, { limit: "min_free" });
  });
  // Real time, not `now`: this throttles the cost of a pass on the event loop.
  const classifyEveryMs = deps.classifyEveryMs ?? CLASSIFY_EVERY_MS;
  let lastClassified = -Infinity;
  let classifyTimer: ReturnType<typeof setTimeout> | undefined;
  const classify = () => {
    const r = report();
    lastClassified = performance.now();
    metrics.storeBytes.set(r.store.pinned_bytes, { class: "pinned" });
    metrics.storeBytes.set(r.store.evictable_bytes, { class: "evictable" });
    return r;
  };
  // After evictions and GC: one pass in the background (storeClasses, in pages with yields
  // between them: the one-turn pass of `du` is 300 ms and more on a big store), at most once
  // per classifyEveryMs; changes in between are taken by the pass already planned.
  let classifying: Promise<void> | undefined;
  // A change while a pass reads may come after the page that would have seen it: one more pass.
  let changedWhileClassifying = false;
  const classifySoon = () => {
    if (classifying) changedWhileClassifying = true;
    if (classifyTimer || classifying || stopping || !started) return;
    const wait = Math.max(0, lastClassified + classifyEveryMs - performance.now());
    classifyTimer = setTimeout(() => {
      classifyTimer = undefined;
      if (stopping) return;
      lastClassified = performance.now();
      const turn = async () => {
        await nextTurn();
        if (stopping) throw new Error("stopping");
      };
      classifying = storeClasses(db, pins(), turn)
        .then((c) => {
          metrics.storeBytes.set(c.pinned, { class: "pinned" });
          metrics.storeBytes.set(c.evictable, { class: "evictable" });
        })
        .catch((e) => {
          if (!stopping) log.warn("storage classification failed", { error: String(e) });
        })
        .finally(() => {
          classifying = undefined;
          if (changedWhileClassifying) {
            changedWhileClassifying = false;
            classifySoon();
          }
        });
    }, wait);
    // A planned refresh does not keep a stopping process alive.
    classifyTimer.unref?.();
  };
  const report = (): UsageReport => usageReport(db, pins(), config.upstream.map((u) => u.name), { used: usage.used, fsBytes: usage.fsBytes, free: Math.max(0, usage.free), limits: limits(), inUse: leases.count() });

  return {
    pulls,
    async start() {
      await reconcile(ctx);
      await usage.measure();
      store.space = quota;
      pulls.enabled = config.storage.record_pulls;
      pulls.start();
      started = true;
      schedule();
      try {
        classify();
      } catch (e) {
        log.warn("storage classification failed", { error: String(e) });
      }
    },
    use(next, nextGuard) {
      const reschedule = next.storage.gc_schedule !== config.storage.gc_schedule;
      config = next;
      guard = nextGuard;
      pulls.enabled = next.storage.record_pulls;
      if (reschedule && started && !stopping) schedule();
    },
    report: classify,
    startGc: (options) => startGc(options).run,
    gcRun: (id) => runs.get(id),
    gc: (options) => startGc(options).done,
    diskUse: () => ({ usedBytes: usage.used, freeBytes: Math.max(0, usage.free), filesystemBytes: usage.fsBytes, maxSizeBytes: limits().maxBytes }),
    async stop() {
      // A collection in progress ends at its next page boundary, before the database closes.
      stopping = true;
      clearTimeout(classifyTimer);
      classifyTimer = undefined;
      await classifying;
      await task?.destroy();
      task = undefined;
      await current?.done.catch(() => {});
      pulls.stop();
      // Later writes (none after shutdown) must not evict through a closed database.
      store.space = { charge() {}, credit() {} };
    },
  };
}
