// Turns a non-2xx upstream response into an UpstreamError. The upstream's
// body is untrusted text from a foreign server; it never reaches our messages
// (and so never reaches our clients or logs) except for its OCI error code,
// which is checked against the spec's grammar first.

import { UpstreamError, type FailureClass } from "./errors.ts";
import { parseRetryAfter } from "./retry-after.ts";

export function failureOfStatus(status: number): FailureClass {
  if (status === 404) return "http-404";
  if (status === 401 || status === 403) return "http-401/403";
  if (status === 429) return "http-429";
  if (status >= 500 && status <= 599) return "http-5xx";
  // 400, 405, a stray 1xx/3xx we did not follow...: the exchange made no sense to us.
  return "invalid-response";
}

// OCI error codes are upper-case words with underscores (MANIFEST_UNKNOWN,
// TOOMANYREQUESTS, DENIED...). Anything else is not echoed.
const OCI_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** The first `errors[].code` of an OCI error document, if it looks like one. */
export function ociErrorCode(body: Uint8Array | undefined): string | undefined {
  if (!body || body.byteLength === 0) return undefined;
  try {
    const doc = JSON.parse(new TextDecoder().decode(body)) as { errors?: Array<{ code?: unknown }> };
    const code = Array.isArray(doc?.errors) ? doc.errors[0]?.code : undefined;
    return typeof code === "string" && OCI_CODE.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

export interface StatusErrorInput {
  upstream: string;
  status: number;
  retryAfter?: string;
  body?: Uint8Array;
  /** What was being fetched, e.g. "token", for operators reading the log. */
  what?: string;
  now?: number;
}

export function statusError(input: StatusErrorInput): UpstreamError {
  const failure = failureOfStatus(input.status);
  const code = ociErrorCode(input.body);
  const retryAfterSeconds = failure === "http-429" ? parseRetryAfter(input.retryAfter, input.now) : undefined;
  let detail = `HTTP ${input.status}`;
  if (code) detail += ` ${code}`;
  if (input.what) detail += ` from ${input.what}`;
  if (retryAfterSeconds !== undefined) detail += `, retry after ${retryAfterSeconds}s`;
  return new UpstreamError(input.upstream, failure, detail, { status: input.status, retryAfterSeconds });
}

/** The fast failure while an earlier 429's Retry-After has not passed; nothing was sent. */
export function rateLimitedError(upstream: string, remainingSeconds: number): UpstreamError {
  return new UpstreamError(upstream, "http-429", `rate limited, not contacted for another ${remainingSeconds}s`, {
    status: 429,
    retryAfterSeconds: remainingSeconds,
  });
}
