// GET /token, the docker token spec's endpoint: Basic credentials (or none, for an
// anonymous token), `service=regcache`, `scope=` repeated (or space-separated),
// `account=` (must name the Basic user when both are sent). The token grants the
// intersection of what was asked and what [[access]] allows, and only that: a scope
// the caller may not have is left out of the token, not refused, as the spec says;
// the registry then answers 401/403 for it.
import type { Action } from "../config/auth.ts";
import { ACTIONS } from "../config/auth.ts";
import { parseBasic, type BasicCredentials, type CredentialChecker } from "./credentials.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import { ANONYMOUS, type AccessRules, type Subject } from "./rules.ts";
import { parseScopes, type AccessClaim } from "./scope.ts";
import { TOKEN_SERVICE, type TokenService } from "./tokens.ts";

/** Decides, for a repository of an upstream with auth = "passthrough", whether these credentials may pull it. */
export type PassthroughCheck = (canonicalName: string, credentials: BasicCredentials | undefined) => Promise<boolean | undefined>;

export interface TokenEndpointDeps {
  credentials: CredentialChecker;
  rules: AccessRules;
  tokens: TokenService;
  /** The name [[access]] globs are matched against (the upstream prefix added under default_upstream). */
  canonical: (name: string) => string;
  /** undefined: the repository is on no passthrough upstream. */
  passthrough?: PassthroughCheck;
  /** Is this full name on an upstream with auth = "passthrough"? */
  isPassthrough?: (canonicalName: string) => boolean;
  /** Is the name a user of the htpasswd file? */
  knowsUser: (name: string) => boolean;
  throttle: LoginThrottle;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers } });

const refuse = (status: 400 | 401, message: string) =>
  json(status, { errors: [{ code: status === 401 ? "UNAUTHORIZED" : "DENIED", message }] });

async function grantRepository(deps: TokenEndpointDeps, subject: Subject, creds: BasicCredentials | undefined, asked: AccessClaim): Promise<AccessClaim | undefined> {
  const name = deps.canonical(asked.name);
  const allowed = deps.rules.allowed(subject, name);
  const wanted = asked.actions.includes("*") ? ACTIONS : asked.actions;
  let actions = allowed.filter((a: Action) => wanted.includes(a));
  if (actions.includes("pull") && deps.passthrough) {
    const verdict = await deps.passthrough(name, creds);
    if (verdict === false) actions = actions.filter((a) => a !== "pull");
  }
  return actions.length > 0 ? { type: "repository", name: asked.name, actions } : undefined;
}

/** `address`: the client's, for the guessing throttle (one key for all when unknown). */
export async function tokenEndpoint(deps: TokenEndpointDeps, request: Request, address = ""): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    // containerd tries POST (OAuth2) first and falls back to GET on 405 when `service` was given.
    return json(405, { errors: [{ code: "UNSUPPORTED", message: "use GET /token" }] }, { Allow: "GET, HEAD" });
  }
  const url = new URL(request.url);
  const service = url.searchParams.get("service");
  if (service !== null && service !== TOKEN_SERVICE) return refuse(400, `unknown service (this is "${TOKEN_SERVICE}")`);

  const basic = parseBasic(request.headers.get("authorization"));
  if (basic === "malformed") return refuse(400, "malformed Basic credentials");
  let subject: Subject = ANONYMOUS;
  const scopes = parseScopes(url.searchParams.getAll("scope"));
  if (basic) {
    const account = url.searchParams.get("account");
    if (account !== null && account !== basic.username) return refuse(400, "account does not name the user of the credentials");
    const wait = deps.throttle.retryAfter(basic.username, address);
    if (wait !== undefined) {
      return json(429, { errors: [{ code: "TOO_MANY_REQUESTS", message: "too many wrong passwords for this user; try again later" }] }, { "Retry-After": String(wait) });
    }
    if (await deps.credentials.check(basic)) {
      subject = { user: basic.username };
      deps.throttle.succeeded(basic.username, address);
    } else {
      // A wrong password of a regcache user counts, also on the passthrough path below (where
      // the right one would make the caller that user); an upstream-only name does not.
      if (deps.knowsUser(basic.username)) deps.throttle.failed(basic.username, address);
      if (!scopes.some((s) => s.type === "repository" && deps.isPassthrough?.(deps.canonical(s.name)))) return refuse(401, "invalid user name or password");
    }
    // Otherwise they are credentials for a passthrough upstream, not a regcache user: the caller
    // is anonymous to [[access]], and the upstream alone says yes or no to its repositories.
  }

  const access: AccessClaim[] = [];
  for (const asked of scopes) {
    if (asked.type === "repository") {
      const granted = await grantRepository(deps, subject, basic, asked);
      if (granted) access.push(granted);
    } else if ((asked.name === "catalog" || asked.name === "admin") && asked.actions.includes("*") && deps.rules.isAdmin(subject)) {
      access.push({ type: "registry", name: asked.name, actions: ["*"] });
    }
  }
  const issued = await deps.tokens.issue(subject, access);
  const body = { token: issued.token, access_token: issued.token, expires_in: issued.expiresInSeconds, issued_at: issued.issuedAt.toISOString() };
  return json(200, request.method === "HEAD" ? {} : body);
}
