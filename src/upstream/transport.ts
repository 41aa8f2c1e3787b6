// One upstream's connection to the network: an undici Agent (a keep-alive
// pool per origin, so the registry, its token service and its blob CDN each
// keep warm connections), redirects, the 429 gate, and the translation of
// every network error into an UpstreamError.
//
// Imported as "undici-client" (the npm package under an alias): Bun answers
// the bare "undici" with a built-in that ignores headersTimeout.

import { rootCertificates } from "node:tls";
import { Agent, request } from "undici-client";
import { discard, readCapped, type SourceBody } from "./body.ts";
import { DestinationGuard } from "./destination-guard.ts";
import { toUpstreamError, UpstreamError, type Timeouts } from "./errors.ts";
import { RateLimitGate } from "./retry-after.ts";
import { rateLimitedError, statusError } from "./status-error.ts";

export interface TransportOptions extends Timeouts {
  name: string;
  insecure: boolean;
  caPem?: string;
  /** Origins that may be internal addresses: the upstream's own URL and its redirect_allow. */
  trustedOrigins: string[];
}

export interface UpstreamResponse {
  status: number;
  /** Header lookup, case-insensitive; repeated headers joined with ", ". */
  header(name: string): string | undefined;
  body: SourceBody;
  /** Where the final response came from, after redirects. */
  url: URL;
}

export interface SendInit {
  method: "GET" | "HEAD";
  headers?: Record<string, string>;
  /** Sent to the first origin only; dropped for good once a redirect leaves it. */
  authorization?: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
const ERROR_BODY_LIMIT = 64 * 1024;

export class Transport {
  readonly gate = new RateLimitGate();
  readonly #agent: Agent;
  readonly #guard: DestinationGuard;

  constructor(private readonly opts: TransportOptions) {
    this.#guard = new DestinationGuard(opts.name, opts.trustedOrigins);
    this.#agent = new Agent({
      // Every new connection's peer address passes the guard (see destination-guard.ts).
      connect: this.#guard.connector({
        timeout: opts.connectTimeoutMs,
        rejectUnauthorized: !opts.insecure,
        // `ca` replaces the default trust store, so a private CA is added to
        // the public roots: the registry may redirect blobs to a public CDN.
        ...(opts.caPem ? { ca: [...rootCertificates, opts.caPem] } : {}),
      }),
      headersTimeout: opts.headersTimeoutMs,
      bodyTimeout: opts.bodyTimeoutMs,
    });
  }

  get name(): string {
    return this.opts.name;
  }

  /** Wraps any thrown error as this upstream's UpstreamError. */
  wrap(err: unknown): UpstreamError {
    return toUpstreamError(this.opts.name, err, this.opts);
  }

  /** Sends one request, following redirects; any status comes back, only network failures throw. */
  async send(start: URL, init: SendInit): Promise<UpstreamResponse> {
    const wait = this.gate.remainingSeconds();
    if (wait > 0) throw rateLimitedError(this.opts.name, wait);

    let url = start;
    let method = init.method;
    let authorization = init.authorization;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      this.#checkScheme(url);
      this.#guard.checkUrl(url);
      const headers: Record<string, string> = { "user-agent": "regcache", ...init.headers };
      if (authorization) headers.authorization = authorization;
      let res: Awaited<ReturnType<typeof request>>;
      try {
        res = await request(url, { method, headers, dispatcher: this.#agent });
      } catch (err) {
        throw this.wrap(err);
      }
      const header = (name: string): string | undefined => {
        const v = res.headers[name.toLowerCase()];
        return Array.isArray(v) ? v.join(", ") : v;
      };
      const location = header("location");
      if (!REDIRECTS.has(res.statusCode) || !location) {
        return { status: res.statusCode, header, body: res.body, url };
      }
      await discard(res.body);
      const next = new URL(location, url);
      // Credentials for the registry must not reach a CDN (or anyone else the
      // registry points at): blob URLs are pre-signed and need none.
      if (next.origin !== url.origin) authorization = undefined;
      if (res.statusCode === 303 && method !== "HEAD") method = "GET";
      url = next;
    }
    throw new UpstreamError(this.opts.name, "invalid-response", `more than ${MAX_REDIRECTS} redirects`);
  }

  /** Turns a non-2xx response into its UpstreamError (and remembers a 429's Retry-After). */
  async fail(res: UpstreamResponse, what?: string): Promise<never> {
    let body: Uint8Array | undefined;
    try {
      body = await readCapped(res.body, ERROR_BODY_LIMIT);
    } catch {
      // the status alone decides the class
    }
    const err = statusError({ upstream: this.opts.name, status: res.status, retryAfter: res.header("retry-after"), body, what });
    if (err.retryAfterSeconds) this.gate.block(err.retryAfterSeconds);
    throw err;
  }

  #checkScheme(url: URL): void {
    if (url.protocol === "https:") return;
    if (url.protocol === "http:" && this.opts.insecure) return;
    // A plain-HTTP hop would leak credentials and lets anyone on the path
    // answer for the registry; only an upstream marked insecure may do that.
    throw new UpstreamError(this.opts.name, "invalid-response", `refusing ${url.protocol} URL of ${url.host}`);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
