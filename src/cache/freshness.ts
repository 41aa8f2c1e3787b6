// Freshness of a cached tag, counted from the last time the upstream confirmed
// it (not from the first fetch), so a tag that keeps being confirmed never
// expires, and one whose upstream is gone stays servable for ttl + staleness.
import type { FailureClass } from "../upstream/index.ts";

export type Freshness = "fresh" | "stale-servable" | "expired";

export interface FreshnessPolicy {
  ttlMs: number;
  stalenessMs: number;
  staleIfError: readonly string[];
}

export function freshnessOf(confirmedAt: number | null, now: number, p: FreshnessPolicy): Freshness {
  if (confirmedAt === null) return "expired";
  const age = now - confirmedAt;
  if (age < p.ttlMs) return "fresh";
  if (age < p.ttlMs + p.stalenessMs) return "stale-servable";
  return "expired";
}

/** May this failure be answered with the cached copy? */
export function servesStaleOn(failure: FailureClass, p: FreshnessPolicy): boolean {
  return p.staleIfError.includes(failure);
}
