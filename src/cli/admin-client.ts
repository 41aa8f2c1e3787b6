// The CLI's side of the admin API: a running regcache answers on its listen
// address. Failures are typed so that the command can say what went wrong in
// one line: nothing listening, or the server refusing the request.
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
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "ServerRefused";
  }
}

export class AdminClient {
  constructor(readonly base: string) {}

  private async call<T>(path: string, init?: RequestInit): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.base}/api/v1${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      throw new ServerUnreachable(this.base, e);
    }
    const body = (await response.json().catch(() => undefined)) as (T & { error?: string }) | undefined;
    if (!response.ok || body === undefined) throw new ServerRefused(response.status, body?.error ?? `HTTP ${response.status} from ${this.base}`);
    return body;
  }

  startPull(refs: string[], platforms: string[]): Promise<PullProgress> {
    return this.call("/prefetch/pulls", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ refs, platforms }) });
  }

  pull(id: string): Promise<PullProgress> {
    return this.call(`/prefetch/pulls/${encodeURIComponent(id)}`);
  }
}

/** The URL of the server in this config: its listen address, with a wildcard host read as loopback. */
export function serverUrlOf(listen: { hostname: string; port: number }): string {
  const wildcard = listen.hostname === "0.0.0.0" || listen.hostname === "::" || listen.hostname === "";
  const host = wildcard ? "127.0.0.1" : listen.hostname.includes(":") ? `[${listen.hostname}]` : listen.hostname;
  return `http://${host}:${listen.port}`;
}
