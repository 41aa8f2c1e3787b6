// Pauses background work for an upstream that is down. Without it, a queue of
// a thousand blobs would each try (and fail) against a dead upstream before
// backing off. One failure of an outage class (refused, timeout, 5xx, 429 …)
// holds every job of that upstream for a pause; when it ends, ONE job goes as
// a probe while the others wait: its success reopens the upstream, its failure
// doubles the pause. Failures of jobs already running when the pause began
// belong to the same outage and do not lengthen it.
import { type BackoffPolicy, pausesUpstream, retryDelay } from "./backoff.ts";

interface State {
  failures: number;
  until: number;
  failure: string;
}

export class UpstreamGate {
  private readonly states = new Map<string, State>();

  constructor(private readonly policy: BackoffPolicy, private readonly random: () => number = Math.random) {}

  /** Records a failure; returns the pause (ms) when this one started or lengthened a pause. */
  failed(upstream: string, failure: string, now: number, retryAfterMs = 0): number | undefined {
    if (!pausesUpstream(failure)) return undefined;
    const current = this.states.get(upstream);
    if (current && current.until > now) return undefined;
    const failures = (current?.failures ?? 0) + 1;
    const pause = retryDelay(failures, this.policy, this.random, retryAfterMs);
    this.states.set(upstream, { failures, until: now + pause, failure });
    return pause;
  }

  succeeded(upstream: string): void {
    this.states.delete(upstream);
  }

  /** Upstreams no new job may start for: paused, or probing (`running` has one of its jobs). */
  blocked(now: number, running: ReadonlySet<string>): string[] {
    return [...this.states].filter(([name, s]) => s.until > now || running.has(name)).map(([name]) => name);
  }

  /** When the earliest pause ends, if any is in force. */
  nextReopen(now: number): number | undefined {
    const ends = [...this.states.values()].map((s) => s.until).filter((t) => t > now);
    return ends.length ? Math.min(...ends) : undefined;
  }

  /** For /metrics and the admin API: upstreams with an outage in progress and its failure class. */
  snapshot(now: number): { upstream: string; failure: string; until: number; failures: number; probing: boolean }[] {
    return [...this.states].map(([upstream, s]) => ({ upstream, failure: s.failure, until: s.until, failures: s.failures, probing: s.until <= now }));
  }
}
