// Private upstream content (issue 12): for an upstream with auth = "passthrough",
// a client may pull a repository of it only while the upstream accepts that
// client's own credentials for that repository. The upstream's yes is remembered
// per (credential, repository) for `auth_cache`; when the upstream cannot be
// asked (an outage), `outage_access` decides: "deny", or "confirmed-within":
// a yes younger than `outage_window` still counts. Credentials are remembered
// only as an HMAC under a key that lives in this process's memory.
import { createHmac, randomBytes } from "node:crypto";
import { UpstreamError } from "../upstream/index.ts";
import type { BasicCredentials } from "./credentials.ts";
import type { PassthroughCheck } from "./token-endpoint.ts";

/** The failures that mean "the upstream cannot be asked", not "the upstream said no". */
const OUTAGE = new Set(["refused", "reset", "dns", "timeout", "tls", "http-5xx", "http-429"]);

export interface PassthroughPolicy {
  authCacheMs: number;
  outageAccess: "deny" | "confirmed-within";
  outageWindowMs: number;
}

/** Where confirmations are kept beyond memory (the database); ids are HMACs. */
export interface ConfirmationStore {
  get(id: string): number | undefined;
  put(id: string, at: number): void;
  delete(id: string): void;
}

/**
 * When the upstream last said yes to a credential for a repository. Outlives reloads (start.ts
 * keeps one). With a store and a key that outlives restarts (derived from the token key), the
 * yes outlives a restart too, which is what outage_access = "confirmed-within" needs when the
 * site restarts regcache during an outage.
 */
export class Confirmations {
  readonly #key: Uint8Array;
  readonly #store: ConfirmationStore | undefined;
  readonly #when = new Map<string, number>();
  static readonly MAX = 50_000;

  constructor(options: { key?: Uint8Array; store?: ConfirmationStore } = {}) {
    this.#key = options.key ?? randomBytes(32);
    this.#store = options.store;
  }

  #id(credentials: BasicCredentials, repository: string): string {
    return createHmac("sha256", this.#key).update(credentials.username).update("\0").update(credentials.password).update("\0").update(repository).digest("base64");
  }
  get(credentials: BasicCredentials, repository: string): number | undefined {
    const id = this.#id(credentials, repository);
    return this.#when.get(id) ?? this.#store?.get(id);
  }
  confirm(credentials: BasicCredentials, repository: string, at: number): void {
    const id = this.#id(credentials, repository);
    this.#when.delete(id); // re-inserted last: the oldest entry is the first to go when full
    if (this.#when.size >= Confirmations.MAX) this.#when.delete(this.#when.keys().next().value!);
    this.#when.set(id, at);
    this.#store?.put(id, at);
  }
  revoke(credentials: BasicCredentials, repository: string): void {
    const id = this.#id(credentials, repository);
    this.#when.delete(id);
    this.#store?.delete(id);
  }
}

export interface PassthroughRepository {
  policy: PassthroughPolicy;
  /** Asks the upstream (see UpstreamClient.confirmAccess); throws UpstreamError on an outage. */
  confirm(credentials: BasicCredentials): Promise<boolean>;
  /** Downloads of this repository use these credentials (a yes from the cache, after a reload built new clients). */
  remember(credentials: BasicCredentials): void;
}

export interface PassthroughDeps {
  /** For a full repository name: its passthrough upstream's policy and a way to ask it; undefined when not passthrough. */
  lookup(name: string): PassthroughRepository | undefined;
  confirmations: Confirmations;
  now: () => number;
  /** A line per refusal or outage decision (never the credentials). */
  log?: (msg: string, fields: Record<string, unknown>) => void;
}

export function passthroughCheck(deps: PassthroughDeps): PassthroughCheck {
  return async (name, credentials) => {
    const found = deps.lookup(name);
    if (!found) return undefined;
    if (!credentials) return false; // anonymous: the upstream cannot have said yes
    const { policy } = found;
    const now = deps.now();
    const last = deps.confirmations.get(credentials, name);
    if (last !== undefined && now - last < policy.authCacheMs) {
      found.remember(credentials);
      return true;
    }
    try {
      const yes = await found.confirm(credentials);
      if (yes) deps.confirmations.confirm(credentials, name, now);
      else deps.confirmations.revoke(credentials, name);
      return yes;
    } catch (e) {
      if (!(e instanceof UpstreamError) || !OUTAGE.has(e.failure)) throw e;
      const served = policy.outageAccess === "confirmed-within" && last !== undefined && now - last <= policy.outageWindowMs;
      deps.log?.("passthrough: upstream unreachable, access decided by outage_access", { repository: name, failure: e.failure, outage_access: policy.outageAccess, granted: served });
      return served;
    }
  };
}
