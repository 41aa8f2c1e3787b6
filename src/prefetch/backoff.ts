// How long a failed job waits before its next attempt: exponential from
// retry_backoff, capped at max_retry_backoff, with ±25% jitter so that jobs
// that failed together (an upstream outage) do not all retry in the same second.
// An upstream's Retry-After is a floor: retrying earlier is refused anyway.
import { DigestMismatch, SizeMismatch, StorageFull } from "../blobstore/errors.ts";
import { UpstreamError } from "../upstream/index.ts";

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export function retryDelay(attempt: number, p: BackoffPolicy, random: () => number = Math.random, retryAfterMs = 0): number {
  const exponential = Math.min(p.baseMs * 2 ** Math.max(0, attempt - 1), p.maxMs);
  const jittered = Math.round(exponential * (0.75 + random() * 0.5));
  return Math.max(Math.min(jittered, p.maxMs), retryAfterMs);
}

/** A failure as the queue records it: the upstream failure class (or "internal") and a message. */
export interface ClassifiedFailure {
  failure: string;
  message: string;
  retryAfterMs: number;
}

export function classifyFailure(e: unknown): ClassifiedFailure {
  if (e instanceof UpstreamError) return { failure: e.failure, message: e.message, retryAfterMs: (e.retryAfterSeconds ?? 0) * 1000 };
  // Bytes that do not hash to the digest are the upstream's fault, as in the pull path.
  if (e instanceof DigestMismatch || e instanceof SizeMismatch) return { failure: "invalid-response", message: e.message, retryAfterMs: 0 };
  if (e instanceof StorageFull) return { failure: "storage-full", message: e.message, retryAfterMs: 0 };
  const code = (e as { failure?: unknown }).failure;
  return { failure: typeof code === "string" ? code : "internal", message: e instanceof Error ? e.message : String(e), retryAfterMs: 0 };
}

/** Failures that say "this upstream is unwell right now", not "this one item is bad". */
const UPSTREAM_WIDE = new Set(["refused", "reset", "dns", "timeout", "tls", "http-5xx", "http-429"]);

export const pausesUpstream = (failure: string) => UPSTREAM_WIDE.has(failure);
