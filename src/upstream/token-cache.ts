// Bearer tokens from a registry's token service, kept until shortly before
// they expire. A pull touches one repository many times (manifest, config,
// every layer); asking the token service once per repository instead of once
// per request halves the round trips and keeps us under its rate limits.

export interface TokenKey {
  realm: string;
  service: string;
  scope: string;
}

/** The fields of a token response that matter here (docker token spec). */
export interface TokenGrant {
  token: string;
  /** Seconds; the spec says 60 when absent. */
  expiresIn?: number;
  /** RFC 3339 time the token was issued; absent means "now". */
  issuedAt?: string;
}

export const DEFAULT_EXPIRES_IN_S = 60;
// A token that expires while a request is on its way gets a 401 and costs a
// second token fetch; giving it up a little early avoids that race.
const SAFETY_MARGIN_MS = 10_000;

interface Entry {
  token: string;
  expiresAt: number;
}

export class TokenCache {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  static keyOf(k: TokenKey): string {
    // NUL cannot appear in a header value, so it cannot make two keys collide.
    return `${k.realm}\u0000${k.service}\u0000${k.scope}`;
  }

  /** The cached token, or undefined when absent or (nearly) expired. */
  get(key: TokenKey): string | undefined {
    const k = TokenCache.keyOf(key);
    const entry = this.#entries.get(k);
    if (!entry) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.#entries.delete(k);
      return undefined;
    }
    return entry.token;
  }

  set(key: TokenKey, grant: TokenGrant): void {
    const expiresAt = expiryOf(grant, this.now());
    if (expiresAt <= this.now()) return; // useless to keep
    this.#entries.set(TokenCache.keyOf(key), { token: grant.token, expiresAt });
  }

  /** Forget a token the registry rejected although we thought it valid. */
  delete(key: TokenKey): void {
    this.#entries.delete(TokenCache.keyOf(key));
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** issued_at + expires_in, minus the margin (never more than half the lifetime). */
export function expiryOf(grant: TokenGrant, now: number): number {
  const lifetimeMs =
    (typeof grant.expiresIn === "number" && grant.expiresIn > 0 ? grant.expiresIn : DEFAULT_EXPIRES_IN_S) * 1000;
  let issued = now;
  if (grant.issuedAt) {
    const t = Date.parse(grant.issuedAt);
    // Trust issued_at only when our clocks roughly agree: an edge box whose
    // clock is off by more than a token lifetime would otherwise see every
    // token as already expired (or valid for far too long).
    if (Number.isFinite(t) && Math.abs(t - now) < lifetimeMs) issued = t;
  }
  return issued + lifetimeMs - Math.min(SAFETY_MARGIN_MS, lifetimeMs / 2);
}
