// The cron side: node-cron fires each schedule; this keeps what a run did
// (for the admin API) and never lets two runs of one schedule overlap — a
// slow run across a narrow schedule is skipped, not stacked. `fire` is also
// how an operator (or a test) runs a schedule now, through the admin API.
import { createTask, type ScheduledTask } from "node-cron";
import type { Logger } from "../telemetry/log.ts";
import { PrefetchNotFound } from "./errors.ts";
import type { PrefetchMetrics } from "./metrics.ts";

export interface ScheduleSpec {
  /** "sweep", or "image-<n>" for the n-th [[prefetch.image]]. */
  name: string;
  expression: string;
  /** What it covers, for people ("docker.io/library/nginx:1.27"). */
  description: string;
  run(): Promise<unknown>;
}

export interface ScheduleInfo {
  name: string;
  schedule: string;
  description: string;
  running: boolean;
  next_run: string | null;
  last_run: { started: string; finished: string; ok: boolean; result?: unknown; error?: string } | null;
}

interface Entry {
  spec: ScheduleSpec;
  task?: ScheduledTask;
  running?: Promise<unknown>;
  last?: ScheduleInfo["last_run"];
}

export class Schedules {
  private readonly entries = new Map<string, Entry>();

  constructor(specs: ScheduleSpec[], private readonly log: Logger, private readonly metrics: PrefetchMetrics) {
    for (const spec of specs) this.entries.set(spec.name, { spec });
  }

  start(): void {
    for (const entry of this.entries.values()) {
      // fire() reports its own failures; node-cron's own notes (missed runs) go to our JSON log, not stdout.
      entry.task = createTask(entry.spec.expression, () => this.fire(entry.spec.name).catch(() => {}), { name: `regcache-${entry.spec.name}`, logger: this.cronLogger(entry.spec.name) });
      void entry.task.start();
    }
  }

  async stop(): Promise<void> {
    for (const entry of this.entries.values()) await entry.task?.destroy();
  }

  /** Runs a schedule now; joins a run already in progress. Rejects with the run's error. */
  fire(name: string): Promise<unknown> {
    const entry = this.entries.get(name);
    if (!entry) throw new PrefetchNotFound(`no prefetch schedule named ${JSON.stringify(name)}`);
    entry.running ??= this.execute(entry).finally(() => (entry.running = undefined));
    return entry.running;
  }

  list(): ScheduleInfo[] {
    return [...this.entries.values()].map((e) => ({
      name: e.spec.name,
      schedule: e.spec.expression,
      description: e.spec.description,
      running: e.running !== undefined,
      next_run: e.task?.getNextRun()?.toISOString() ?? null,
      last_run: e.last ?? null,
    }));
  }

  private cronLogger(schedule: string) {
    const text = (m: unknown) => (m instanceof Error ? m.message : String(m));
    return {
      info: (m: string) => this.log.debug(`node-cron: ${m}`, { schedule }),
      debug: (m: unknown) => this.log.debug(`node-cron: ${text(m)}`, { schedule }),
      warn: (m: string) => this.log.warn(`node-cron: ${m}`, { schedule }),
      error: (m: unknown) => this.log.error(`node-cron: ${text(m)}`, { schedule }),
    };
  }

  private async execute(entry: Entry): Promise<unknown> {
    const started = new Date();
    const name = entry.spec.name;
    try {
      const result = await entry.spec.run();
      entry.last = { started: started.toISOString(), finished: new Date().toISOString(), ok: true, result };
      this.metrics.scheduleRuns.inc({ schedule: name, result: "ok" });
      this.log.info("prefetch schedule ran", { schedule: name, duration_ms: Date.now() - started.getTime(), result });
      return result;
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      entry.last = { started: started.toISOString(), finished: new Date().toISOString(), ok: false, error };
      this.metrics.scheduleRuns.inc({ schedule: name, result: "failed" });
      this.log.warn("prefetch schedule failed", { schedule: name, error, ...((e as { failure?: string }).failure ? { upstream_failure: (e as { failure: string }).failure } : {}) });
      throw e;
    }
  }
}
