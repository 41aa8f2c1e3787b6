// The policy commands' side of the admin API. Failures are typed so that the
// command can say in one line what went wrong: nothing listening at the
// address, or the server refusing the request (with its reason).
import type { Scope } from "../registry/immutability/index.ts";

export class PolicyServerUnreachable extends Error {
  constructor(readonly url: string, cause: unknown) {
    super(`cannot reach regcache at ${url}: ${(cause as Error)?.message ?? String(cause)}; is \`regcache serve\` running? (--server URL)`);
  }
}

export class PolicyServerRefused extends Error {
  constructor(readonly status: number, message: string, readonly body: Record<string, unknown>) {
    super(message);
  }
}

/** A policy as the API returns it. */
export interface PolicyJson {
  uuid: string;
  tagPattern: string;
  tagPatternMatches: boolean;
  active: boolean;
  scope: "namespace" | "repository";
  namespace: string;
  repository: string | null;
}

/** The URL of the server a config describes: its listen address, a wildcard host read as loopback. */
export function serverUrl(listen: { hostname: string; port: number }): string {
  const wildcard = listen.hostname === "0.0.0.0" || listen.hostname === "::" || listen.hostname === "";
  const host = wildcard ? "127.0.0.1" : listen.hostname.includes(":") ? `[${listen.hostname}]` : listen.hostname;
  return `http://${host}:${listen.port}`;
}

/** The collection URL of a scope; repository names keep their slashes (see src/api/immutability-paths.ts). */
export function policiesPath(scope: Scope): string {
  const encoded = (s: string) => s.split("/").map(encodeURIComponent).join("/");
  return scope.repository === null ? `/organization/${encoded(scope.namespace)}/immutabilitypolicy/` : `/repository/${encoded(scope.repository)}/immutabilitypolicy/`;
}

export class PolicyClient {
  constructor(readonly base: string) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    let response: Response;
    try {
      response = await fetch(`${this.base}/api/v1${path}`, {
        method,
        headers: body === undefined ? undefined : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      throw new PolicyServerUnreachable(this.base, e);
    }
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // Not the admin API answering (a proxy, another service): say what came back.
    }
    if (!response.ok) throw new PolicyServerRefused(response.status, typeof parsed.error === "string" ? parsed.error : `HTTP ${response.status} from ${this.base}`, parsed);
    return { status: response.status, body: parsed as T };
  }

  async all(): Promise<PolicyJson[]> {
    return (await this.call<{ policies: PolicyJson[] }>("GET", "/immutabilitypolicy/")).body.policies;
  }

  /** Finds a policy by uuid alone: the scoped URLs need its scope. */
  async find(uuid: string): Promise<PolicyJson> {
    const found = (await this.all()).find((p) => p.uuid === uuid);
    if (!found) throw new PolicyServerRefused(404, `no immutability policy ${uuid}`, {});
    return found;
  }
}
