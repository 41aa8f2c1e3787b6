// What the prefetcher's parts share: storage, the pull-through cache they go
// through (its single-flight downloads and manifest cache), the policies from
// the config, and the throttled view of each upstream client.
import type { PullThrough, Target } from "../cache/service.ts";
import type { Db } from "../db/client.ts";
import type { BlobStore } from "../blobstore/store.ts";
import type { Logger } from "../telemetry/log.ts";
import type { UpstreamClient } from "../upstream/index.ts";
import { UnknownUpstream } from "./errors.ts";
import type { PrefetchMetrics } from "./metrics.ts";
import type { PlatformsFor } from "./platforms.ts";

export interface PrefetchContext {
  db: Db;
  store: BlobStore;
  log: Logger;
  metrics: PrefetchMetrics;
  now: () => number;
  pullThrough: PullThrough;
  platformsFor: PlatformsFor;
  /** Does this upstream have `referrers = true`? */
  referrers(upstream: string): boolean;
  /** The upstream's client with max_bandwidth applied to blob bodies. */
  client(upstream: string): UpstreamClient;
  /** Wakes the worker pool after new jobs were queued. */
  wake(): void;
}

/** The cache's target for a local repository name ("docker.io/library/nginx"). */
export function targetOf(ctx: Pick<PrefetchContext, "pullThrough">, upstream: string, repository: string, remoteName?: string): Target {
  if (!ctx.pullThrough.context.upstreams.has(upstream)) throw new UnknownUpstream(upstream);
  return { upstream, remoteName: remoteName ?? repository.slice(upstream.length + 1), localName: repository };
}
