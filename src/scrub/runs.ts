// The one scrub that may run at a time, and the last few runs for the admin API. It
// outlives a config reload (server/start.ts passes the same one to every services graph),
// so a reload neither starts a second scrub beside a running one nor forgets the history.
import { randomUUID } from "node:crypto";
import { ScrubNotFound, ScrubRunning, ScrubStopped } from "./errors.ts";
import type { ScrubProgress } from "./progress.ts";

const KEPT = 10;

export class ScrubRuns {
  private current: { progress: ScrubProgress; abort: AbortController; done: Promise<void> } | undefined;
  private readonly history = new Map<string, ScrubProgress>();
  /** The prefetch sweep of the newest services graph: a run that began before a reload
   *  queues its repairs with the prefetcher that runs now, not the one it started with. */
  refetch: () => void = () => {};

  /**
   * Starts `execute` as the new run unless one runs (ScrubRunning, with its progress);
   * `init` (the totals, a query) is taken only when the run starts.
   * Returns the progress object, which `execute` updates and the API reads.
   */
  begin(init: () => Pick<ScrubProgress, "dry_run" | "trigger" | "rate" | "resumed_after" | "total_blobs" | "total_bytes">, execute: (p: ScrubProgress, signal: AbortSignal) => Promise<void>, onEnd: (p: ScrubProgress) => void): ScrubProgress {
    if (this.current) throw new ScrubRunning(this.current.progress);
    const progress: ScrubProgress = {
      id: randomUUID(),
      state: "running",
      started: new Date().toISOString(),
      finished: null,
      ...init(),
      checked_blobs: 0,
      checked_bytes: 0,
      corrupt: 0,
      missing: 0,
      unreadable: 0,
      findings: [],
      refetch_queued: false,
    };
    const abort = new AbortController();
    this.history.set(progress.id, progress);
    while (this.history.size > KEPT) this.history.delete(this.history.keys().next().value!);
    // Started on the next microtask, so that this.current is set before the run's first step.
    const done = Promise.resolve()
      .then(() => execute(progress, abort.signal))
      .then(
      () => {
        progress.state = "done";
      },
      (e: unknown) => {
        progress.state = e instanceof ScrubStopped ? "stopped" : "failed";
        progress.error = e instanceof Error ? e.message : String(e);
      },
    ).finally(() => {
      progress.finished = new Date().toISOString();
      this.current = undefined;
      onEnd(progress);
    });
    this.current = { progress, abort, done };
    return progress;
  }

  running(): ScrubProgress | undefined {
    return this.current?.progress;
  }

  /** The most recent run, running or finished. */
  latest(): ScrubProgress | undefined {
    return [...this.history.values()].at(-1);
  }

  get(id: string): ScrubProgress {
    const run = this.history.get(id);
    if (!run) throw new ScrubNotFound(id);
    return run;
  }

  /** Stops a running scrub between two chunks (shutdown) and waits for it to end. */
  async stop(): Promise<void> {
    const current = this.current;
    if (!current) return;
    current.abort.abort();
    await current.done;
  }
}
