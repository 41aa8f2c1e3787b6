// The scrub's series on /metrics.
import type { Metrics } from "../telemetry/metrics.ts";

export function scrubMetrics(m: Metrics) {
  return {
    runs: m.counter("regcache_scrub_runs_total", "Scrub runs finished, by mode (repair, dry-run) and result (done, failed, stopped)"),
    blobs: m.counter("regcache_scrub_blobs_checked_total", "Stored blobs the scrub re-hashed (or found missing)"),
    bytes: m.counter("regcache_scrub_bytes_checked_total", "Bytes the scrub read and hashed"),
    found: m.counter("regcache_scrub_problems_total", "Blobs the scrub found bad, by problem (corrupt, missing: taken out of the store; unreadable: left in place) and owner (cached, local, unreferenced); dry runs are not counted"),
    running: m.gauge("regcache_scrub_running", "1 while a scrub runs"),
    lastFinished: m.gauge("regcache_scrub_last_finished_timestamp_seconds", "When the last scrub run that checked every blob finished (Unix time)"),
  };
}

export type ScrubMetrics = ReturnType<typeof scrubMetrics>;
