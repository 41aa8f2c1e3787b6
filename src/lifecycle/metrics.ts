// /metrics of the disk lifecycle. Store and free bytes are gauges refreshed at
// each scrape from the running account (no walk). Pinned vs evictable need a pass
// over all the metadata: they are computed at start-up, at each `du` (GET
// /api/v1/storage), and in the background after evictions and GC runs, at most
// once a minute (service.ts, classes.ts), never per scrape.
import type { Metrics } from "../telemetry/metrics.ts";

export function lifecycleMetrics(m: Metrics) {
  return {
    storeBytes: m.gauge("regcache_store_bytes", "Bytes under storage.path (SQLite files excepted), by class: total, pinned, evictable."),
    freeBytes: m.gauge("regcache_store_free_bytes", "Free bytes of the file system holding storage.path."),
    limitBytes: m.gauge("regcache_store_limit_bytes", "storage.max_size in bytes (0: none) and the resolved min_free, by limit."),
    evictions: m.counter("regcache_evictions_total", "Cached images evicted, by reason (quota, min_free, unused_after)."),
    evictedBytes: m.counter("regcache_evicted_bytes_total", "Bytes of blob files removed by eviction, by reason."),
    gcRuns: m.counter("regcache_gc_runs_total", "Garbage collection runs, by trigger (schedule, quota, admin) and result."),
    gcDuration: m.gauge("regcache_gc_last_duration_seconds", "Duration of the last garbage collection run."),
    gcFreedBytes: m.counter("regcache_gc_freed_bytes_total", "Bytes of unreferenced blobs removed by garbage collection."),
    gcBlobs: m.counter("regcache_gc_deleted_blobs_total", "Unreferenced blobs removed by garbage collection."),
    reconcileFixes: m.counter("regcache_reconcile_fixes_total", "Start-up reconciliation fixes, by kind (file_without_row, file_adopted, row_without_file)."),
  };
}

export type LifecycleMetrics = ReturnType<typeof lifecycleMetrics>;
