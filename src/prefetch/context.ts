// What the prefetcher's parts share: the database, the pull-through cache they
// go through (its narrow API: manifests, single-flight blob downloads, the
// upstream reads), the policies from the config, and the bandwidth cap.
import type { BodyFilter, PullThrough, Target } from "../cache/service.ts";
import type { Db } from "../db/client.ts";
import type { Logger } from "../telemetry/log.ts";
import type { PrefetchMetrics } from "./metrics.ts";
import type { PlatformsFor } from "./platforms.ts";

export interface PrefetchContext {
  db: Db;
  log: Logger;
  metrics: PrefetchMetrics;
  now: () => number;
  pullThrough: PullThrough;
  platformsFor: PlatformsFor;
  /** Does this upstream have `referrers = true`? */
  referrers(upstream: string): boolean;
  /** max_bandwidth applied to the body of a download a worker starts (counted as prefetch bytes). */
  throttle(upstream: string): BodyFilter;
  /** Wakes the worker pool after new jobs were queued. */
  wake(): void;
}

/** The cache's target for a local repository name ("docker.io/library/nginx"). */
export function targetOf(ctx: Pick<PrefetchContext, "pullThrough">, upstream: string, repository: string, remoteName?: string): Target {
  return ctx.pullThrough.target(upstream, repository, remoteName);
}
