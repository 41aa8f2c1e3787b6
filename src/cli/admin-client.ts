// The CLI's side of the admin API: `regcache prefetch` and `regcache policy`
// talk to a running regcache on its listen address. Failures are typed so that
// a command can say what went wrong in one line: nothing listening, or the
// server refusing the request (with its reason).
import type { Config } from "../config/schema.ts";
import { readAdminToken } from "../config/secrets.ts";
import { readCertificateChain } from "../config/tls.ts";
import type { Platform } from "../platform/types.ts";
import type { PullProgress } from "../prefetch/pulls.ts";

/** Nobody answered at the address. */
export class ServerUnreachable extends Error {
  constructor(readonly url: string, cause: unknown) {
    const reason = (cause as Error)?.message ?? String(cause);
    // A TLS failure is not a server that is down: say how to trust its issuer, or, when the
    // pinned leaf differs, that the server is not the one this config describes.
    const hint = /not the configured server\.tls_cert/.test(reason)
      ? "is --config the running server's config?"
      : /certificate|issuer|self[- ]signed/i.test(reason)
        ? "trust its issuer with $REGCACHE_SERVER_CA=FILE (PEM)"
        : "is `regcache serve` running? (--server URL)";
    super(`cannot reach regcache at ${url}: ${reason}; ${hint}`);
    this.name = "ServerUnreachable";
  }
}

/** The server answered with an error ({"error": "..."}). */
export class ServerRefused extends Error {
  constructor(readonly status: number, message: string, readonly body: Record<string, unknown> = {}) {
    super(message);
    this.name = "ServerRefused";
  }
}

export class AdminClient {
  /** `token`: the admin API's bearer token, when the server requires one; `fetcher`: how to
   *  reach it (over HTTPS, one that trusts the configured certificate). */
  constructor(readonly base: string, private readonly token?: string, private readonly fetcher: typeof fetch = fetch) {}

  /** One admin API call; `path` is below /api/v1. Non-2xx answers throw ServerRefused. */
  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    let response: Response;
    try {
      response = await this.fetcher(`${this.base}/api/v1${path}`, {
        method,
        headers: {
          // The admin API takes writes only as JSON (a guard against cross-site form posts).
          ...(body === undefined && method !== "POST" && method !== "PUT" ? {} : { "content-type": "application/json" }),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      throw new ServerUnreachable(this.base, e);
    }
    const text = await response.text();
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // Not the admin API answering (a proxy, another service): say what came back.
    }
    if (!response.ok || parsed === undefined) {
      throw new ServerRefused(response.status, typeof parsed?.error === "string" ? parsed.error : `HTTP ${response.status} from ${this.base}`, parsed ?? {});
    }
    return { status: response.status, body: parsed as T };
  }

  /** A call whose bodies stream (bundles): the Response of a 2xx answer, else ServerRefused. No timeout: a bundle takes as long as its bytes. */
  async stream(path: string, init: { contentType: string; body: BodyInit }): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetcher(`${this.base}/api/v1${path}`, {
        method: "POST",
        headers: { "content-type": init.contentType, ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        body: init.body,
        duplex: "half",
      } as RequestInit);
    } catch (e) {
      throw new ServerUnreachable(this.base, e);
    }
    if (response.ok) return response;
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {}
    throw new ServerRefused(response.status, typeof parsed.error === "string" ? parsed.error : `HTTP ${response.status} from ${this.base}`, parsed);
  }

  async startPull(refs: string[], platforms: string[]): Promise<PullProgress> {
    return (await this.call<PullProgress>("POST", "/prefetch/pulls", { refs, platforms })).body;
  }

  async pull(id: string): Promise<PullProgress> {
    return (await this.call<PullProgress>("GET", `/prefetch/pulls/${encodeURIComponent(id)}`)).body;
  }
}

/** The URL of the server in this config: its listen address, with a wildcard host read as
 *  loopback; https:// when the config gives the listener a certificate. */
export function serverUrlOf(listen: { hostname: string; port: number }, https = false): string {
  const wildcard = listen.hostname === "0.0.0.0" || listen.hostname === "::" || listen.hostname === "";
  const host = wildcard ? "127.0.0.1" : listen.hostname.includes(":") ? `[${listen.hostname}]` : listen.hostname;
  return `${https ? "https" : "http"}://${host}:${listen.port}`;
}

/**
 * The server a command talks to: --server, else $REGCACHE_SERVER, else the
 * config's listen address (https:// with server.tls_cert); with $REGCACHE_ADMIN_TOKEN,
 * else the config's server.admin_token_file, as its bearer token.
 */
export function adminClientFor(flag: string | undefined, env: Record<string, string | undefined>, config: () => Config, platform?: Platform): AdminClient {
  const server = flag ?? env.REGCACHE_SERVER ?? serverUrlOf(config().server.listen, config().server.tls_cert !== "");
  const token = env.REGCACHE_ADMIN_TOKEN || readAdminToken(config().server.admin_token_file);
  return new AdminClient(server.replace(/\/+$/, ""), token, platform ? fetcherFor(server, env, config, platform) : fetch);
}

/**
 * HTTPS to the config's own listener (the same port) trusts its server.tls_cert and accepts
 * the server by that leaf, so that a self-signed or private-CA certificate works from the
 * same machine, and a public one on 127.0.0.1. Only the certificate is read: the key stays
 * the server's. $REGCACHE_SERVER_CA (a PEM file) adds issuers, e.g. a private root that the
 * cert file does not carry; for any other https:// server it is the only extra trust.
 */
function fetcherFor(server: string, env: Record<string, string | undefined>, config: () => Config, platform: Platform): typeof fetch {
  const url = new URL(server);
  if (url.protocol !== "https:") return fetch;
  const extra = env.REGCACHE_SERVER_CA ? readCertificateChain(env.REGCACHE_SERVER_CA, "$REGCACHE_SERVER_CA").blocks : [];
  const { listen, tls_cert } = config().server;
  if (!tls_cert || Number(url.port || 443) !== listen.port) return extra.length ? platform.fetchPinned({ certificates: extra }) : fetch;
  const { blocks, chain } = readCertificateChain(tls_cert);
  return platform.fetchPinned({ certificates: [...blocks, ...extra], leafFingerprint: chain[0]!.fingerprint256 });
}
