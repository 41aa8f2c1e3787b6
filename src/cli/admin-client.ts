// The CLI's side of the admin API: `regcache prefetch` and `regcache policy`
// talk to a running regcache on its listen address. Failures are typed so that
// a command can say what went wrong in one line: nothing listening, or the
// server refusing the request (with its reason).
import type { Config } from "../config/schema.ts";
import { readAdminToken } from "../config/secrets.ts";
import type { PullProgress } from "../prefetch/pulls.ts";

/** Nobody answered at the address. */
export class ServerUnreachable extends Error {
  constructor(readonly url: string, cause: unknown) {
    super(`cannot reach regcache at ${url}: ${(cause as Error)?.message ?? String(cause)}; is \`regcache serve\` running? (--server URL)`);
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
  /** `token`: the admin API's bearer token, when the server requires one. */
  constructor(readonly base: string, private readonly token?: string) {}

  /** One admin API call; `path` is below /api/v1. Non-2xx answers throw ServerRefused. */
  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    let response: Response;
    try {
      response = await fetch(`${this.base}/api/v1${path}`, {
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
      response = await fetch(`${this.base}/api/v1${path}`, {
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

/** The URL of the server in this config: its listen address, with a wildcard host read as loopback. */
export function serverUrlOf(listen: { hostname: string; port: number }): string {
  const wildcard = listen.hostname === "0.0.0.0" || listen.hostname === "::" || listen.hostname === "";
  const host = wildcard ? "127.0.0.1" : listen.hostname.includes(":") ? `[${listen.hostname}]` : listen.hostname;
  return `http://${host}:${listen.port}`;
}

/**
 * The server a command talks to: --server, else $REGCACHE_SERVER, else the
 * config's listen address; with $REGCACHE_ADMIN_TOKEN, else the config's
 * server.admin_token_file, as its bearer token.
 */
export function adminClientFor(flag: string | undefined, env: Record<string, string | undefined>, config: () => Config): AdminClient {
  const server = flag ?? env.REGCACHE_SERVER ?? serverUrlOf(config().server.listen);
  const token = env.REGCACHE_ADMIN_TOKEN || readAdminToken(config().server.admin_token_file);
  return new AdminClient(server.replace(/\/+$/, ""), token);
}
