// A registry request with authentication: send with whatever credential is
// already known for the repository's scope; on a 401 from the registry
// itself, answer its challenge once and retry. A second 401 (or a 403) is a
// real refusal and becomes http-401/403, like every other non-2xx becomes its
// UpstreamError here.

import type { Authenticator } from "./auth.ts";
import { discard } from "./body.ts";
import type { SendInit, Transport, UpstreamResponse } from "./transport.ts";

export interface SessionInit {
  method: SendInit["method"];
  headers?: Record<string, string>;
  /** Return a 404 instead of throwing (the referrers API uses 404 for "not supported"). */
  allow404?: boolean;
}

/** The pull scope for a repository, as the docker token spec spells it. */
export function pullScope(repo: string): string {
  return `repository:${repo}:pull`;
}

export class Session {
  constructor(
    private readonly transport: Transport,
    private readonly auth: Authenticator,
  ) {}

  /** A 2xx response (or an allowed 404); anything else throws an UpstreamError. */
  async send(url: URL, repo: string, init: SessionInit): Promise<UpstreamResponse> {
    const scope = pullScope(repo);
    const base = { method: init.method, headers: init.headers };
    let authorization = this.auth.headerFor(scope);
    let res = await this.transport.send(url, { ...base, authorization });

    // Only the registry's own 401 is a challenge for us: a CDN we were
    // redirected to would not accept the registry's token anyway.
    if (res.status === 401 && res.url.origin === url.origin) {
      const challenge = res.header("www-authenticate");
      // Free the connection before talking to the token service.
      await discard(res.body);
      const retryWith = await this.auth.answer(challenge, scope, authorization);
      if (retryWith === undefined) return this.transport.fail(res);
      authorization = retryWith;
      res = await this.transport.send(url, { ...base, authorization });
    }

    if (res.status >= 200 && res.status <= 299) return res;
    if (res.status === 404 && init.allow404) return res;
    return this.transport.fail(res);
  }
}
