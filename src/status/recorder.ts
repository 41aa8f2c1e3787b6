// What the status page knows about traffic, fed from ONE place: the request log
// middleware, which already sees every request's cache outcome and upstream
// failure class. So the cache engine needs no hooks of its own, and the page
// counts exactly what the log lines say. Memory is bounded: a ring of minutes
// per upstream (a day) and the last few errors.
import { addCounts, MinuteSeries, zeroCounts, type Counts } from "./minute-series.ts";

/** One finished request, as the request log saw it. */
export interface RequestRecord {
  time: number;
  method: string;
  path: string;
  status: number;
  requestId: string;
  /** The upstream of a cached repository; absent for local repositories and other endpoints. */
  upstream?: string;
  /** X-Cache: HIT, MISS, REVALIDATED, STALE. */
  cache?: string;
  /** The upstream failure class, when one failed (STALE answers and errors alike). */
  upstreamFailure?: string;
}

export interface UpstreamActivity {
  series: MinuteSeries;
  /** Last time the upstream answered (a MISS or REVALIDATED; a HIT does not ask it). */
  lastSuccess?: number;
  lastFailure?: { time: number; failure: string };
  failuresByClass: Map<string, number>;
}

export interface RecordedError {
  time: number;
  requestId: string;
  method: string;
  path: string;
  status: number;
  upstream?: string;
  failure?: string;
}

const KEEP_ERRORS = 20;

export class StatusRecorder {
  private readonly upstreams = new Map<string, UpstreamActivity>();
  private readonly errors: RecordedError[] = [];

  record(r: RequestRecord): void {
    if (r.status >= 500 || r.upstreamFailure) {
      this.errors.push({ time: r.time, requestId: r.requestId, method: r.method, path: r.path.slice(0, 200), status: r.status, upstream: r.upstream, failure: r.upstreamFailure });
      if (this.errors.length > KEEP_ERRORS) this.errors.shift();
    }
    if (!r.upstream) return;
    const a = this.activity(r.upstream);
    const counts = a.series.at(r.time);
    counts.requests++;
    const outcome = r.cache?.toLowerCase();
    if (outcome === "hit" || outcome === "miss" || outcome === "revalidated" || outcome === "stale") counts[outcome]++;
    if (r.upstreamFailure) {
      counts.failures++;
      a.lastFailure = { time: r.time, failure: r.upstreamFailure };
      a.failuresByClass.set(r.upstreamFailure, (a.failuresByClass.get(r.upstreamFailure) ?? 0) + 1);
    } else if (outcome === "miss" || outcome === "revalidated") {
      a.lastSuccess = r.time;
    }
  }

  /** The activity of one upstream (empty when it has seen no request yet). */
  activity(upstream: string): UpstreamActivity {
    let a = this.upstreams.get(upstream);
    if (!a) {
      a = { series: new MinuteSeries(), failuresByClass: new Map() };
      this.upstreams.set(upstream, a);
    }
    return a;
  }

  /** Every upstream's series summed per minute (for the hit ratio chart). */
  totals(count: number, now: number): Counts[] {
    const sums = [...this.upstreams.values()].map((a) => a.series.last(count, now));
    return Array.from({ length: count }, (_, i) => sums.reduce((acc, s) => addCounts(acc, s[i]!), zeroCounts()));
  }

  /** The most recent errors, newest first. */
  lastErrors(): RecordedError[] {
    return [...this.errors].reverse();
  }
}
