// The StatusSource of a running server: traffic from the recorder, disk from the
// lifecycle's byte account, images, queue and policies from SQLite (read-only).
import type { Db } from "../db/client.ts";
import { imagesWithCompleteness, policyRows, prefetchQueueCounts } from "../db/queries/status.ts";
import { diskUseOf, type DiskUse } from "./disk.ts";
import { hitRatio } from "./hit-ratio.ts";
import { MINUTES_PER_DAY } from "./minute-series.ts";
import type { StatusRecorder } from "./recorder.ts";
import type { StatusSource, UpstreamHealth } from "./source.ts";

/** Rows of the images panel; a site with thousands of tags still gets a page of bounded size. */
const IMAGE_ROWS = 100;

export interface LiveSourceOptions {
  db: Db;
  recorder: StatusRecorder;
  upstreams: readonly { name: string; url: string; mirrors?: readonly { url: string }[] }[];
  /** Is this mirror of this upstream skipped right now (its circuit open)? */
  mirrorSkipped?: (upstream: string, mirrorUrl: string) => boolean;
  /** The store's running byte account (lifecycle's diskUse). */
  disk: () => Parameters<typeof diskUseOf>[0];
}

/** The origin only: a URL with user:password@ in it must not print them. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "";
  }
}

export function liveStatusSource(o: LiveSourceOptions): StatusSource {
  const disk = async (): Promise<DiskUse> => diskUseOf(o.disk());
  return {
    upstreams(now) {
      return o.upstreams.map((u): UpstreamHealth => {
        const a = o.recorder.activity(u.name);
        const hour = a.series.sum(60, now);
        const state = a.lastFailure && (a.lastSuccess === undefined || a.lastFailure.time >= a.lastSuccess) ? "down" : a.lastSuccess !== undefined ? "up" : "unknown";
        const mirrors = (u.mirrors ?? []).map((m) => ({ origin: originOf(m.url), skipped: o.mirrorSkipped?.(u.name, m.url) ?? false }));
        return { name: u.name, origin: originOf(u.url), mirrors, state, lastSuccess: a.lastSuccess, lastFailure: a.lastFailure, requests: hour.requests, stale: hour.stale, failures: hour.failures };
      });
    },
    disk,
    hitRatio: (now) => hitRatio(o.recorder.totals(MINUTES_PER_DAY, now), now),
    images() {
      // All tags for the counts (one aggregate query either way), the largest for the rows.
      const all = imagesWithCompleteness(o.db, -1);
      const isComplete = (r: (typeof all)[number]) => r.missingBlobs === 0 && r.missingChildren === 0;
      return { total: all.length, complete: all.filter(isComplete).length, rows: all.slice(0, IMAGE_ROWS), incomplete: all.filter((r) => !isComplete(r)).slice(0, IMAGE_ROWS) };
    },
    queue: (now) => prefetchQueueCounts(o.db, now),
    policies: () => policyRows(o.db),
    errors: () => o.recorder.lastErrors(),
  };
}
