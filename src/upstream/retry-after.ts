// A 429 tells us when the upstream is willing to talk again. Until then,
// every request would earn another 429 and, with some registries, extend the
// ban; so the client stops contacting that upstream and fails fast instead,
// which lets the cache serve stale copies without waiting on the network.

// An HTTP date years ahead (or a huge number) must not silence an upstream
// until the next restart; a day is the longest pause we honour.
const MAX_RETRY_AFTER_S = 24 * 60 * 60;

/**
 * Retry-After as whole seconds from `now`: either delay-seconds or an HTTP
 * date (RFC 9110 §10.2.3). Undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === "") return undefined;
  let secs: number;
  if (/^\d+$/.test(v)) {
    secs = Number(v);
  } else {
    // An HTTP date always names its month; without letters, Date.parse would
    // happily read "-5" as the year -5.
    if (!/[A-Za-z]/.test(v)) return undefined;
    const at = Date.parse(v);
    if (!Number.isFinite(at)) return undefined;
    secs = Math.ceil((at - now) / 1000);
  }
  return Math.min(Math.max(secs, 0), MAX_RETRY_AFTER_S);
}

/** Remembers until when an upstream asked us to stay away. */
export class RateLimitGate {
  #until = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Stay away for `seconds` (a later deadline never gets shortened by an earlier one). */
  block(seconds: number): void {
    this.#until = Math.max(this.#until, this.now() + seconds * 1000);
  }

  /** Whole seconds left to wait, or 0 when requests may go out. */
  remainingSeconds(): number {
    const left = this.#until - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }
}
