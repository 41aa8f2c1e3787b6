// Pull records (last pulled, how often), buffered in memory and written in one
// transaction every few seconds and at shutdown: a warm manifest GET costs a
// map update, never a write. Eviction flushes before it chooses, and pull
// times a few seconds old would be good enough anyway. A crash loses at most
// the last interval's counts, never a manifest.
import type { Db } from "../db/client.ts";
import { addPulls, type PullRecord } from "../db/queries/lifecycle.ts";
import type { Logger } from "../telemetry/log.ts";

export const FLUSH_INTERVAL_MS = 5_000;

export class PullRecorder {
  private pending = new Map<string, PullRecord>();
  private timer: ReturnType<typeof setInterval> | undefined;
  enabled = true;

  constructor(private readonly db: Db, private readonly log: Logger, private readonly now: () => number) {}

  /** A manifest GET served `digest` of `repository`. */
  record(repository: string, digest: string): void {
    if (!this.enabled) return;
    const key = `${repository}@${digest}`;
    const at = this.now();
    const existing = this.pending.get(key);
    if (existing) {
      existing.count++;
      existing.lastPulledAt = at;
    } else this.pending.set(key, { repository, digest, lastPulledAt: at, count: 1 });
  }

  flush(): void {
    if (this.pending.size === 0) return;
    const records = [...this.pending.values()];
    this.pending = new Map();
    try {
      addPulls(this.db, records);
    } catch (e) {
      // A closing or full database: the counts are lost, the manifests are not.
      this.log.warn("pull records not written", { count: records.length, error: String(e) });
    }
  }

  start(intervalMs = FLUSH_INTERVAL_MS): void {
    this.stop(false);
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref?.();
  }

  stop(flush = true): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (flush) this.flush();
  }
}
