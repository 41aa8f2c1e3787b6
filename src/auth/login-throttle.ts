// Password guessing at /token: after `maxFailures` wrong passwords for one user from one
// client address within `windowMs`, that pair gets 429 (with Retry-After) until the window
// ends, whatever password it sends, so the answer tells a guesser nothing. Keyed by user
// AND address, so a guesser elsewhere cannot lock a user out of every machine; behind a
// proxy (one address for all) it becomes per user. Memory only, bounded.

export interface LoginThrottle {
  /** Seconds to wait when `user` from `address` is blocked now; undefined when not. */
  retryAfter(user: string, address: string): number | undefined;
  failed(user: string, address: string): void;
  succeeded(user: string, address: string): void;
}

const MAX_ENTRIES = 10_000;

export function createLoginThrottle(options: { maxFailures?: number; windowMs?: number; now?: () => number } = {}): LoginThrottle {
  const maxFailures = options.maxFailures ?? 10;
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  const failures = new Map<string, { count: number; since: number }>();
  const key = (user: string, address: string) => `${user}\0${address}`;
  const current = (k: string) => {
    const entry = failures.get(k);
    if (entry && now() - entry.since >= windowMs) {
      failures.delete(k);
      return undefined;
    }
    return entry;
  };
  return {
    retryAfter(user, address) {
      const entry = current(key(user, address));
      if (!entry || entry.count < maxFailures) return undefined;
      return Math.max(1, Math.ceil((entry.since + windowMs - now()) / 1000));
    },
    failed(user, address) {
      const k = key(user, address);
      const entry = current(k);
      if (entry) entry.count++;
      else {
        if (failures.size >= MAX_ENTRIES) failures.delete(failures.keys().next().value!);
        failures.set(k, { count: 1, since: now() });
      }
    },
    succeeded(user, address) {
      failures.delete(key(user, address));
    },
  };
}
