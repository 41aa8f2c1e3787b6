// Authentication with one upstream, done lazily: nothing is asked of the
// token service until a request comes back 401. That keeps start-up free of
// network calls and makes an outage of the token service an upstream failure
// of the request that needed it, handled (stale copy or error) like any other.
//
// What the registry asked for last time (Bearer at some realm, or Basic) is
// remembered so that later requests carry a cached token up front instead of
// paying for a 401 round trip each time.

import { Buffer } from "node:buffer";
import { readCapped } from "./body.ts";
import { UpstreamError } from "./errors.ts";
import { TokenCache, type TokenKey } from "./token-cache.ts";
import type { Transport } from "./transport.ts";
import { findChallenge } from "./www-authenticate.ts";

export interface Credentials {
  username: string;
  password: string;
}

/** Fixed credentials, or (passthrough) the credentials to use for one scope: those of a client
 *  the upstream last accepted for that repository. */
export type CredentialSource = Credentials | ((scope: string) => Credentials | undefined);

type Scheme = { kind: "unknown" } | { kind: "basic" } | { kind: "bearer"; realm: string; service: string };

const TOKEN_BODY_LIMIT = 1024 * 1024;

export class Authenticator {
  #scheme: Scheme = { kind: "unknown" };
  readonly #tokens: TokenCache;
  // Concurrent pulls of one repository hit 401 together after a token expires;
  // they share one token request instead of each sending their own.
  readonly #inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly transport: Transport,
    private readonly credentials?: CredentialSource,
    now: () => number = Date.now,
  ) {
    this.#tokens = new TokenCache(now);
  }

  #credentialsFor(scope: string): Credentials | undefined {
    return typeof this.credentials === "function" ? this.credentials(scope) : this.credentials;
  }

  /** The Authorization header to send up front for `scope`, if one is known and valid. */
  headerFor(scope: string): string | undefined {
    const s = this.#scheme;
    if (s.kind === "basic") return this.#basic(scope);
    if (s.kind === "bearer") {
      const token = this.#tokens.get({ realm: s.realm, service: s.service, scope });
      return token ? `Bearer ${token}` : undefined;
    }
    return undefined;
  }

  /**
   * Answers a 401's challenge: the header to retry with, or undefined when it
   * cannot be met (Basic without credentials, an unknown scheme).
   * `rejected` is the header the 401 answered, so a revoked token is dropped.
   */
  async answer(wwwAuthenticate: string | undefined, scope: string, rejected?: string): Promise<string | undefined> {
    const bearer = findChallenge(wwwAuthenticate, "bearer");
    if (bearer?.params.realm) {
      const key: TokenKey = { realm: bearer.params.realm, service: bearer.params.service ?? "", scope };
      this.#scheme = { kind: "bearer", realm: key.realm, service: key.service };
      const cached = this.#tokens.get(key);
      if (cached && rejected === `Bearer ${cached}`) this.#tokens.delete(key);
      return `Bearer ${await this.#token(key)}`;
    }
    if (findChallenge(wwwAuthenticate, "basic") && this.#credentialsFor(scope)) {
      this.#scheme = { kind: "basic" };
      const header = this.#basic(scope);
      // Sending the same credentials again cannot succeed.
      return header === rejected ? undefined : header;
    }
    return undefined;
  }

  #basic(scope: string): string | undefined {
    const credentials = this.#credentialsFor(scope);
    if (!credentials) return undefined;
    const { username, password } = credentials;
    return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
  }

  #token(key: TokenKey): Promise<string> {
    const cached = this.#tokens.get(key);
    if (cached) return Promise.resolve(cached);
    const k = TokenCache.keyOf(key);
    let pending = this.#inflight.get(k);
    if (!pending) {
      pending = this.#fetchToken(key).finally(() => this.#inflight.delete(k));
      this.#inflight.set(k, pending);
    }
    return pending;
  }

  /** GET realm?service=…&scope=… (docker token spec), with Basic credentials when configured. */
  async #fetchToken(key: TokenKey): Promise<string> {
    const name = this.transport.name;
    let url: URL;
    try {
      url = new URL(key.realm);
    } catch {
      throw new UpstreamError(name, "invalid-response", "token realm is not a URL");
    }
    if (key.service) url.searchParams.set("service", key.service);
    url.searchParams.set("scope", key.scope);

    const res = await this.transport.send(url, {
      method: "GET",
      headers: { accept: "application/json" },
      authorization: this.#basic(key.scope),
    });
    if (res.status < 200 || res.status > 299) return this.transport.fail(res, "token service");

    let body: Uint8Array | undefined;
    try {
      body = await readCapped(res.body, TOKEN_BODY_LIMIT);
    } catch (err) {
      throw this.transport.wrap(err);
    }
    const grant = parseGrant(body);
    if (!grant) throw new UpstreamError(name, "invalid-response", "token service sent no token");
    this.#tokens.set(key, grant);
    return grant.token;
  }
}

/** `token` (or the OAuth2 alias `access_token`), `expires_in`, `issued_at`. */
function parseGrant(body: Uint8Array | undefined): { token: string; expiresIn?: number; issuedAt?: string } | undefined {
  if (!body) return undefined;
  try {
    const doc = JSON.parse(new TextDecoder().decode(body)) as Record<string, unknown>;
    const token = typeof doc.token === "string" && doc.token ? doc.token : doc.access_token;
    if (typeof token !== "string" || token === "") return undefined;
    return {
      token,
      expiresIn: typeof doc.expires_in === "number" ? doc.expires_in : undefined,
      issuedAt: typeof doc.issued_at === "string" ? doc.issued_at : undefined,
    };
  } catch {
    return undefined;
  }
}
