// The scrub of one services graph: its schedule (storage.scrub_schedule, node-cron, as
// the prefetch schedules are run), its rate (storage.scrub_rate) and what it calls after
// a repair (the prefetch sweep). The runs themselves live in ScrubRuns, shared across reloads.
import { createTask, type ScheduledTask } from "node-cron";
import type { BlobStore } from "../blobstore/store.ts";
import type { Db } from "../db/client.ts";
import { TokenBucket } from "../prefetch/token-bucket.ts";
import { MAX_CHUNK } from "./hash-at-rate.ts";
import type { Logger } from "../telemetry/log.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import { blobTotals, findScrubCursor } from "../db/queries/scrub.ts";
import { scrubMetrics } from "./metrics.ts";
import type { ScrubProgress } from "./progress.ts";
import { runScrub } from "./run.ts";
import { ScrubRuns } from "./runs.ts";

export interface ScrubDeps {
  db: Db;
  store: BlobStore;
  log: Logger;
  metrics: Metrics;
  /** storage.scrub_schedule; "" never. */
  schedule: string;
  /** storage.scrub_rate, bytes per second. */
  rate: number;
  upstreams: readonly string[];
  /** Queues what cached images miss now (the prefetcher's sweep). */
  refetch: () => void;
  /** Kept across reloads; default a new one. */
  runs?: ScrubRuns;
}

export interface ScrubStatus {
  running: ScrubProgress | null;
  last: ScrubProgress | null;
  schedule: string;
  next_run: string | null;
  rate: number;
}

export interface Scrubber {
  /** Starts a run now (ScrubRunning when one runs). */
  begin(dryRun: boolean, trigger?: ScrubProgress["trigger"]): ScrubProgress;
  run(id: string): ScrubProgress;
  status(): ScrubStatus;
  readonly runs: ScrubRuns;
  /** Starts the schedule. */
  start(): void;
  /** Stops the schedule; a running scrub goes on (ScrubRuns.stop ends it at shutdown). */
  stop(): Promise<void>;
}

export function createScrubber(deps: ScrubDeps): Scrubber {
  const runs = deps.runs ?? new ScrubRuns();
  const metrics = scrubMetrics(deps.metrics);
  runs.refetch = deps.refetch;
  let task: ScheduledTask | undefined;

  const begin = (dryRun: boolean, trigger: ScrubProgress["trigger"] = "api"): ScrubProgress => {
    const started = Date.now();
    const progress = runs.begin(
      // The totals are taken at the start, so the first answer already shows them. A scheduled
      // repair run continues after an interrupted one; asked for by hand, a run checks everything.
      () => {
        const resumedAfter = !dryRun && trigger === "schedule" ? (findScrubCursor(deps.db)?.after ?? null) : null;
        return { dry_run: dryRun, trigger, rate: deps.rate, resumed_after: resumedAfter, ...totalsOf(blobTotals(deps.db, resumedAfter ?? undefined)) };
      },
      (p, signal) => {
        metrics.running.set(1);
        deps.log.info("scrub started", { id: p.id, dry_run: dryRun, trigger, rate: deps.rate, ...(p.resumed_after ? { resumed_after: p.resumed_after } : {}) });
        // A bucket per run: the rate bounds this run's reads, from its first byte.
        const bucket = new TokenBucket(deps.rate);
        return runScrub({ db: deps.db, store: deps.store, log: deps.log, metrics, bucket, chunkSize: Math.min(MAX_CHUNK, deps.rate), upstreams: deps.upstreams, signal, refetch: () => runs.refetch(), now: Date.now }, p);
      },
      (p) => {
        metrics.running.set(0);
        metrics.runs.inc({ mode: p.dry_run ? "dry-run" : "repair", result: p.state });
        if (p.state === "done") metrics.lastFinished.set(Math.floor(Date.now() / 1000));
        const fields = { id: p.id, dry_run: p.dry_run, state: p.state, duration_ms: Date.now() - started, blobs: p.checked_blobs, bytes: p.checked_bytes, corrupt: p.corrupt, missing: p.missing, ...(p.error ? { error: p.error } : {}) };
        if (p.state === "failed") deps.log.error("scrub failed", fields);
        else deps.log.info("scrub finished", fields);
      },
    );
    return progress;
  };

  return {
    begin,
    run: (id) => runs.get(id),
    status: () => ({ running: runs.running() ?? null, last: runs.latest() ?? null, schedule: deps.schedule, next_run: task?.getNextRun()?.toISOString() ?? null, rate: deps.rate }),
    runs,
    start() {
      if (!deps.schedule) return;
      task = createTask(
        deps.schedule,
        () => {
          if (runs.running()) {
            deps.log.info("scrub schedule skipped: a scrub is still running", { id: runs.running()!.id });
            return;
          }
          begin(false, "schedule");
        },
        { name: "regcache-scrub", logger: cronLogger(deps.log) },
      );
      void task.start();
    },
    async stop() {
      await task?.destroy();
      task = undefined;
    },
  };
}

const totalsOf = (t: { blobs: number; bytes: number }) => ({ total_blobs: t.blobs, total_bytes: t.bytes });

function cronLogger(log: Logger) {
  const text = (m: unknown) => (m instanceof Error ? m.message : String(m));
  return {
    info: (m: string) => log.debug(`node-cron: ${m}`, { schedule: "scrub" }),
    debug: (m: unknown) => log.debug(`node-cron: ${text(m)}`, { schedule: "scrub" }),
    warn: (m: string) => log.warn(`node-cron: ${m}`, { schedule: "scrub" }),
    error: (m: unknown) => log.error(`node-cron: ${text(m)}`, { schedule: "scrub" }),
  };
}
