// Pauses background work for an upstream that is down. Without it, a queue of
// a thousand blobs would each try (and fail) against a dead upstream before
// backing off: one failure of an outage class (refused, timeout, 5xx, 429 …)
// now holds every job of that upstream until the pause ends; the first job
// after it is the probe. Each consecutive failure doubles the pause.
import { type BackoffPolicy, pausesUpstream, retryDelay } from "./backoff.ts";

interface State {
  failures: number;
  until: number;
  failure: string;
}

export class UpstreamGate {
  private readonly states = new Map<string, State>();

  constructor(private readonly policy: BackoffPolicy, private readonly random: () => number = Math.random) {}

  /** Records a failure; returns the pause (ms) when this one paused the upstream. */
  failed(upstream: string, failure: string, now: number, retryAfterMs = 0): number | undefined {
    if (!pausesUpstream(failure)) return undefined;
    const failures = (this.states.get(upstream)?.failures ?? 0) + 1;
    const pause = retryDelay(failures, this.policy, this.random, retryAfterMs);
    this.states.set(upstream, { failures, until: now + pause, failure });
    return pause;
  }

  succeeded(upstream: string): void {
    this.states.delete(upstream);
  }

  /** Upstreams paused at `now`. */
  paused(now: number): string[] {
    return [...this.states].filter(([, s]) => s.until > now).map(([name]) => name);
  }

  /** When the earliest pause ends, if any is in force. */
  nextReopen(now: number): number | undefined {
    const ends = [...this.states.values()].map((s) => s.until).filter((t) => t > now);
    return ends.length ? Math.min(...ends) : undefined;
  }

  /** For /metrics and the admin API: the failure class of each paused upstream. */
  snapshot(now: number): { upstream: string; failure: string; until: number; failures: number }[] {
    return [...this.states].filter(([, s]) => s.until > now).map(([upstream, s]) => ({ upstream, failure: s.failure, until: s.until, failures: s.failures }));
  }
}
