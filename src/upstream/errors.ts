// Every way an upstream can fail, reduced to one small closed set of classes.
// The cache engine decides "serve stale or not" from the class alone, and the
// HTTP layer names the class in its OCI error, so the set is part of the
// contract: extend it, don't rename members.

export type FailureClass =
  | "refused"
  | "reset"
  | "dns"
  | "timeout"
  | "tls"
  | "http-5xx"
  | "http-429"
  | "http-404"
  | "http-401/403"
  | "invalid-response";

export interface UpstreamErrorDetails {
  status?: number;
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** A failure of the named upstream. `message` is ours: never an upstream body. */
export class UpstreamError extends Error {
  override name = "UpstreamError";
  readonly upstream: string;
  readonly failure: FailureClass;
  readonly status?: number;
  readonly retryAfterSeconds?: number;

  constructor(upstream: string, failure: FailureClass, detail: string, more: UpstreamErrorDetails = {}) {
    super(`upstream "${upstream}" failed: ${failure} (${detail})`, { cause: more.cause });
    this.upstream = upstream;
    this.failure = failure;
    if (more.status !== undefined) this.status = more.status;
    if (more.retryAfterSeconds !== undefined) this.retryAfterSeconds = more.retryAfterSeconds;
  }
}

// System error codes (node:net / node:dns, as Bun reproduces them) and undici's
// own codes. Connecting to a host that cannot be reached at all is "refused":
// for the caller it is the same situation, nobody answered the door.
const BY_CODE: Record<string, FailureClass> = {
  ECONNREFUSED: "refused",
  EHOSTUNREACH: "refused",
  ENETUNREACH: "refused",
  EHOSTDOWN: "refused",
  ECONNRESET: "reset",
  EPIPE: "reset",
  ECONNABORTED: "reset",
  UND_ERR_SOCKET: "reset",
  UND_ERR_CLOSED: "reset",
  ENOTFOUND: "dns",
  EAI_AGAIN: "dns",
  EAI_FAIL: "dns",
  EAI_NONAME: "dns",
  EAI_NODATA: "dns",
  ETIMEDOUT: "timeout",
  UND_ERR_CONNECT_TIMEOUT: "timeout",
  UND_ERR_HEADERS_TIMEOUT: "timeout",
  UND_ERR_BODY_TIMEOUT: "timeout",
  UND_ERR_HEADERS_OVERFLOW: "invalid-response",
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: "invalid-response",
  UND_ERR_RES_EXCEEDED_MAX_SIZE: "invalid-response",
  UND_ERR_INFO: "invalid-response",
};

// Certificate and handshake failures carry many codes (DEPTH_ZERO_SELF_SIGNED_CERT,
// UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID, ERR_SSL_WRONG_VERSION_NUMBER,
// CERT_HAS_EXPIRED...); matching on their vocabulary is sturdier than listing them.
const TLS_CODE = /CERT|SSL|TLS|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH/;

/** The error itself and its `cause` chain: Bun and undici both wrap sometimes. */
function* chain(err: unknown): Generator<Record<string, unknown>> {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current !== null && typeof current === "object"; depth++) {
    yield current as Record<string, unknown>;
    current = (current as { cause?: unknown }).cause;
  }
}

/** Maps a thrown error (undici, system, ours) to its failure class. */
export function classifyError(err: unknown): FailureClass {
  for (const e of chain(err)) {
    if (e instanceof UpstreamError) return e.failure;
    const code = typeof e.code === "string" ? e.code : "";
    const name = typeof e.name === "string" ? e.name : "";
    if (code in BY_CODE) return BY_CODE[code];
    if (TLS_CODE.test(code)) return "tls";
    if (code.startsWith("HPE_") || name === "HTTPParserError") return "invalid-response";
    if (name === "DNSException") return "dns";
    if (name === "TimeoutError") return "timeout";
  }
  // Anything unrecognised still means the exchange produced nothing usable.
  return "invalid-response";
}

export interface Timeouts {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(3))}s`;

/** A short human detail for a thrown error; which timeout fired matters to operators. */
function detailOf(err: unknown, failure: FailureClass, t: Timeouts): string {
  const codes = [...chain(err)].map((e) => e.code).filter((c): c is string => typeof c === "string");
  if (codes.includes("UND_ERR_CONNECT_TIMEOUT")) return `no connection within ${seconds(t.connectTimeoutMs)}`;
  if (codes.includes("UND_ERR_HEADERS_TIMEOUT")) return `no response headers within ${seconds(t.headersTimeoutMs)}`;
  if (codes.includes("UND_ERR_BODY_TIMEOUT")) return `body stalled for ${seconds(t.bodyTimeoutMs)}`;
  const code = codes[0];
  const what: Record<FailureClass, string> = {
    refused: "connection refused",
    reset: "connection closed by peer",
    dns: "name not resolved",
    timeout: "timed out",
    tls: "TLS handshake or certificate rejected",
    "http-5xx": "server error",
    "http-429": "rate limited",
    "http-404": "not found",
    "http-401/403": "not authorized",
    "invalid-response": "response is not valid HTTP",
  };
  return code ? `${what[failure]}: ${code}` : what[failure];
}

/** Wraps any thrown error as an UpstreamError of `upstream` (kept as-is if it already is one). */
export function toUpstreamError(upstream: string, err: unknown, t: Timeouts): UpstreamError {
  // One of ours raised inside undici (the destination guard's connector) keeps its own detail.
  for (const e of chain(err)) if (e instanceof UpstreamError) return e;
  const failure = classifyError(err);
  return new UpstreamError(upstream, failure, detailOf(err, failure, t), { cause: err });
}
