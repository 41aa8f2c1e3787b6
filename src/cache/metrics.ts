// The cache's counters, registered once on the shared Metrics registry.
import type { Metrics } from "../telemetry/metrics.ts";

export function cacheMetrics(m: Metrics) {
  return {
    responses: m.counter("regcache_cache_responses_total", "Cached-repository responses by upstream, kind and outcome (HIT, MISS, REVALIDATED, STALE, ERROR)"),
    upstreamFailures: m.counter("regcache_upstream_failures_total", "Upstream failures by upstream and failure class"),
    staleServed: m.counter("regcache_stale_served_total", "Manifests served stale because the upstream failed, by upstream and failure class"),
    downloads: m.counter("regcache_blob_downloads_total", "Upstream blob downloads by upstream and result (ok, failed, digest-mismatch)"),
    bytesFetched: m.counter("regcache_upstream_bytes_total", "Blob bytes received from upstreams"),
    inflight: m.gauge("regcache_blob_downloads_inflight", "Upstream blob downloads in progress"),
  };
}

export type CacheMetrics = ReturnType<typeof cacheMetrics>;
