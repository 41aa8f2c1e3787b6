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
import { nativeGet } from "./native-fetch.ts";
import type { UpstreamFetch } from "../platform/types.ts";
import { toUpstreamError, UpstreamError, type Timeouts } from "./errors.ts";
import { RateLimitGate } from "./retry-after.ts";
import { rateLimitedError, statusError } from "./status-error.ts";

export interface TransportOptions extends Timeouts {
  name: string;
  insecure: boolean;
  caPem?: string;
  /** Origins that may be internal addresses: the upstream's own URL and its redirect_allow. */
  trustedOrigins: string[];
  /** The upstream's own origin: the only one whose blob bodies may use `nativeFetch`. */
  ownOrigin?: string;
  /** The runtime's native client for blob bodies (Platform.upstreamFetch); absent: undici for all. */
  nativeFetch?: UpstreamFetch;
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
  /** A blob body is wanted (streamed, large): the upstream's own origin may serve it natively. */
  stream?: boolean;
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
      const res = await this.#hop(url, method, headers, init.stream === true);
      const location = res.header("location");
      if (!REDIRECTS.has(res.status) || !location) return res;
      await discard(res.body);
      const next = new URL(location, url);
      // Credentials for the registry must not reach a CDN (or anyone else the
      // registry points at): blob URLs are pre-signed and need none.
      if (next.origin !== url.origin) authorization = undefined;
      if (res.status === 303 && method !== "HEAD") method = "GET";
      url = next;
    }
    throw new UpstreamError(this.opts.name, "invalid-response", `more than ${MAX_REDIRECTS} redirects`);
  }

  /** One request, no redirects followed. A blob GET from the upstream's own origin goes
   *  through the native client when there is one; everything else through undici's Agent,
   *  whose connector checks every peer address. */
  async #hop(url: URL, method: SendInit["method"], headers: Record<string, string>, stream: boolean): Promise<UpstreamResponse> {
    const native = this.opts.nativeFetch;
    try {
      if (native && stream && method === "GET" && url.origin === this.opts.ownOrigin) {
        const { insecure, caPem, name } = this.opts;
        const res = await nativeGet(native, url, { upstream: name, headers, insecure, caPem, timeouts: this.opts });
        return { status: res.status, header: (n) => res.headers.get(n) ?? undefined, body: res.body, url };
      }
      const res = await request(url, { method, headers, dispatcher: this.#agent });
      const header = (name: string): string | undefined => {
        const v = res.headers[name.toLowerCase()];
        return Array.isArray(v) ? v.join(", ") : v;
      };
      return { status: res.statusCode, header, body: res.body, url };
    } catch (err) {
      throw this.wrap(err);
    }
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
