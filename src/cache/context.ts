// What the pull-through cache is built from.
import type { RegistryContext } from "../registry/context.ts";
import type { Logger } from "../telemetry/log.ts";
import type { UpstreamClient } from "../upstream/index.ts";
import type { CacheMetrics } from "./metrics.ts";
import type { FreshnessPolicy } from "./freshness.ts";
import type { BlobDownloads } from "./downloads.ts";
import type { ParsedManifest } from "../oci/manifest.ts";

export interface CachedUpstream {
  name: string;
  client: UpstreamClient;
  freshness: FreshnessPolicy;
}

/** Called after a manifest from an upstream was stored (the prefetcher completes the image). */
export type ManifestStoredHook = (event: { upstream: string; remoteName: string; localName: string; digest: string; parsed: ParsedManifest }) => void;

export interface CacheContext {
  registry: RegistryContext;
  upstreams: Map<string, CachedUpstream>;
  downloads: BlobDownloads;
  log: Logger;
  metrics: CacheMetrics;
  now: () => number;
  onManifestStored: ManifestStoredHook;
}
