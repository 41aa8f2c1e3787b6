// What the pull-through cache's parts share. Internal to src/cache: nothing
// outside this folder sees it (the prefetcher uses PullThrough's narrow API).
import type { BlobStore } from "../blobstore/store.ts";
import type { Db } from "../db/client.ts";
import type { ParsedManifest } from "../oci/manifest.ts";
import type { TagGuard } from "../repository/guard.ts";
import type { Logger } from "../telemetry/log.ts";
import type { UpstreamClient } from "../upstream/index.ts";
import type { BlobDownloads } from "./downloads.ts";
import type { FreshnessPolicy } from "./freshness.ts";
import type { CacheMetrics } from "./metrics.ts";

export interface CachedUpstream {
  name: string;
  client: UpstreamClient;
  freshness: FreshnessPolicy;
}

/** Called after a manifest from an upstream was stored (the prefetch queue completes the image). */
export type ManifestStoredHook = (event: { upstream: string; remoteName: string; localName: string; digest: string; parsed: ParsedManifest }) => void;

export interface CacheContext {
  db: Db;
  store: BlobStore;
  guard: TagGuard;
  maxManifestBytes: number;
  upstreams: Map<string, CachedUpstream>;
  downloads: BlobDownloads;
  log: Logger;
  metrics: CacheMetrics;
  now: () => number;
  onManifestStored: ManifestStoredHook;
}
