// The prefetcher's series on /metrics. Job counts by state are read from the
// queue at scrape time, so they are right after a restart too; the counters
// count since this process started, as Prometheus counters do.
import type { Metrics } from "../telemetry/metrics.ts";

export function prefetchMetrics(m: Metrics) {
  return {
    jobs: m.gauge("regcache_prefetch_jobs", "Prefetch jobs in the queue by state: queued (never tried), retrying, failed (gave up); running ones are also counted in queued or retrying"),
    done: m.counter("regcache_prefetch_jobs_done_total", "Prefetch jobs finished, by upstream and kind (blob, manifest, referrers)"),
    failures: m.counter("regcache_prefetch_job_failures_total", "Failed prefetch attempts, by upstream and failure class"),
    gaveUp: m.counter("regcache_prefetch_jobs_failed_total", "Prefetch jobs that gave up after max_attempts, by upstream and failure class"),
    bytes: m.counter("regcache_prefetch_bytes_total", "Blob bytes downloaded by prefetch workers, by upstream"),
    paused: m.gauge("regcache_prefetch_upstream_paused", "1 while background work for an upstream is paused (or probing with one job) after failures, by upstream and failure class"),
    images: m.gauge("regcache_prefetch_images", "Tagged images of cached repositories by state (complete, incomplete), as of the last sweep"),
    missingBytes: m.gauge("regcache_prefetch_missing_bytes", "Bytes missing from incomplete images, as of the last sweep"),
    scheduleRuns: m.counter("regcache_prefetch_schedule_runs_total", "Schedule runs by schedule and result (ok, failed)"),
  };
}

export type PrefetchMetrics = ReturnType<typeof prefetchMetrics>;
