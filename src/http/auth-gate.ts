// With [auth] configured, every /v2/ request needs a token from /token (the docker
// token flow). The gate works out what the route needs — pull for GET/HEAD, push for
// POST/PUT/PATCH (and an upload's DELETE, which cancels a push), delete for DELETE
// of a manifest or blob — and lets the request through only when the token grants
// it AND the rules still allow it now (a SIGHUP that takes a right away takes it
// from tokens already issued, too). Otherwise:
//  - no token, a bad one, or an anonymous caller: 401 with the Bearer challenge
//    (realm, service, scope), which is how clients learn where to log in;
//  - a token that lacks a right the rules would give: 401 insufficient_scope, so the
//    client fetches a token for it;
//  - a logged-in user the rules refuse: 403 DENIED.
// /v2/_catalog lists every repository name, private ones too: it is gated, not
// filtered, and needs "registry:catalog:*", which admins get.
import type { Context, MiddlewareHandler, Next } from "hono";
import type { Metrics } from "../telemetry/metrics.ts";
import type { AuthService } from "../auth/service.ts";
import { grants, scopeString } from "../auth/scope.ts";
import { TOKEN_SERVICE, TokenInvalid, type VerifiedToken } from "../auth/tokens.ts";
import type { Action } from "../config/auth.ts";
import type { Env } from "./context.ts";
import { errorResponse } from "./errors.ts";
import { parseRoute } from "./paths.ts";
import { isValidName } from "../oci/names.ts";

type Need = { kind: "base" } | { kind: "catalog" } | { kind: "repository"; name: string; action: Action; from?: string };

function needOf(method: string, url: URL): Need {
  const path = url.pathname;
  if (path === "/v2" || path === "/v2/") return { kind: "base" };
  if (path === "/v2/_catalog") return { kind: "catalog" };
  const route = parseRoute(path.slice("/v2/".length));
  if (!route) return { kind: "base" }; // no endpoint: a 404 for any valid token, nothing to protect
  const read = method === "GET" || method === "HEAD";
  let action: Action = read ? "pull" : "push";
  if (method === "DELETE" && (route.kind === "manifest" || route.kind === "blob")) action = "delete";
  // An upload's status (GET) belongs to the push that made it.
  if (route.kind === "upload") action = "push";
  const from = route.kind === "uploads" ? (url.searchParams.get("from") ?? undefined) : undefined;
  return { kind: "repository", name: route.name, action, from };
}

const SAFE_HOST = /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The realm clients are sent to: [auth] realm, or this request's scheme and Host + /token. From a
 * trusted proxy (server.trusted_proxies, e.g. a TLS terminator), X-Forwarded-Proto and
 * X-Forwarded-Host say what the client used; from anyone else they are ignored.
 */
function realmOf(auth: AuthService, request: Request, url: URL, peer: string | undefined): string {
  if (auth.realm) return auth.realm;
  let scheme = url.protocol;
  let host = request.headers.get("host");
  if (peer !== undefined && auth.fromTrustedProxy(peer)) {
    const proto = request.headers.get("x-forwarded-proto")?.split(",")[0]!.trim().toLowerCase();
    if (proto === "https" || proto === "http") scheme = `${proto}:`;
    host = request.headers.get("x-forwarded-host")?.split(",")[0]!.trim() ?? host;
  }
  return `${scheme}//${host && SAFE_HOST.test(host) ? host : url.host}/token`;
}

function challengeWith(auth: AuthService, request: Request, url: URL, scope: string | undefined, error: string | undefined, message: string, peer?: string): Response {
  let header = `Bearer realm="${realmOf(auth, request, url, peer)}",service="${TOKEN_SERVICE}"`;
  if (scope) header += `,scope="${scope}"`;
  if (error) header += `,error="${error}"`;
  return errorResponse({ status: 401, code: "UNAUTHORIZED", message, headers: { "WWW-Authenticate": header } }, request.method);
}

const denied = (method: string, message: string) => errorResponse({ status: 403, code: "DENIED", message }, method);

/** The token of `Authorization: Bearer …`; undefined when there is none, "malformed" for another scheme or garbage. */
function bearerOf(header: string | null): string | "malformed" | undefined {
  if (header === null || header === "") return undefined;
  const m = /^bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header.length > 16_384 ? "" : header);
  return m ? m[1]! : "malformed";
}

export function authGate(getAuth: () => AuthService | undefined, metrics?: Metrics): MiddlewareHandler<Env> {
  const refusals = metrics?.counter("regcache_auth_refusals_total", "Requests refused by the auth gate, by status (401 no or bad token / token lacking a right, 403 denied by the rules)");
  return async (c, next) => {
    const response = await decide(c, next);
    if (response && refusals) refusals.inc({ status: String(response.status) });
    return response;
  };
  async function decide(c: Context<Env>, next: Next): Promise<Response | void> {
    const auth = getAuth();
    if (!auth) return next();
    const request = c.req.raw;
    const url = new URL(request.url);
    if (url.pathname !== "/v2" && !url.pathname.startsWith("/v2/")) return next();
    const need = needOf(request.method, url);
    const scopeFor = (name: string, action: Action) => scopeString(name, action === "pull" ? ["pull"] : ["pull", action]);
    // Only a name of the OCI grammar goes into the header: no quote, no line break, nothing to inject.
    const askedScope = need.kind === "repository" ? (isValidName(need.name) ? scopeFor(need.name, need.action) : undefined) : need.kind === "catalog" ? "registry:catalog:*" : undefined;

    const peer = c.env?.client?.address;
    const challenge = (scope: string | undefined, error: string | undefined, message: string) => challengeWith(auth, request, url, scope, error, message, peer);
    const bearer = bearerOf(request.headers.get("authorization"));
    if (bearer === undefined) return challenge(askedScope, undefined, "authentication required: get a token at the realm");
    if (bearer === "malformed") return challenge(askedScope, "invalid_token", "invalid token: expected Authorization: Bearer <token>");
    let token: VerifiedToken;
    try {
      token = await auth.tokens.verify(bearer);
    } catch (e) {
      if (e instanceof TokenInvalid) return challenge(askedScope, "invalid_token", e.message);
      throw e;
    }
    const anonymous = !("user" in token.subject);
    if ("user" in token.subject) {
      c.set("user", token.subject.user);
      // Removed from the htpasswd file (and SIGHUP): the user's tokens end with it.
      if (!auth.knowsUser(token.subject.user)) return challenge(askedScope, "invalid_token", "invalid token: its user is no longer known");
    }

    if (need.kind === "base") return next();
    if (need.kind === "catalog") {
      if (grants(token.access, "registry", "catalog", "*") && auth.rules.isAdmin(token.subject)) return next();
      if (anonymous || auth.rules.isAdmin(token.subject)) return challenge(askedScope, "insufficient_scope", "the catalog needs a token with scope registry:catalog:*");
      return denied(request.method, "the catalog lists every repository; only admins (auth.admin_users) may read it");
    }

    const ns = url.searchParams.get("ns") ?? undefined;
    const mayNow = (name: string, action: Action) => auth.rules.allowed(token.subject, auth.canonical(name, ns)).includes(action);
    // /token confirmed a passthrough repository under the name it resolves to without ?ns=; a ?ns=
    // that moves the name onto a passthrough upstream would skip that confirmation.
    const movedOntoPassthrough = (name: string) => ns !== undefined && auth.canonical(name, ns) !== auth.canonical(name) && auth.isPassthrough(auth.canonical(name, ns));
    const has = (name: string, action: Action) => grants(token.access, "repository", name, action) && mayNow(name, action) && !movedOntoPassthrough(name);
    if (movedOntoPassthrough(need.name)) {
      const message = `${need.name.slice(0, 200)}?ns=${ns!.slice(0, 100)} is on a passthrough upstream: use its prefixed name (/v2/<upstream>/${need.name.slice(0, 200)}; containerd: override_path)`;
      return anonymous ? challenge(askedScope, "insufficient_scope", message) : denied(request.method, message);
    }
    if (!has(need.name, need.action)) {
      if (mayNow(need.name, need.action)) return challenge(askedScope, "insufficient_scope", `the token does not grant ${need.action} on ${need.name.slice(0, 200)}`);
      if (anonymous) return challenge(askedScope, "insufficient_scope", `${need.action} on ${need.name.slice(0, 200)} needs a login`);
      return denied(request.method, `${need.action} on ${need.name.slice(0, 200)} is not allowed for this user`);
    }
    // A cross-repository mount reads the source repository: without pull there, the spec's
    // fallback applies (a plain upload session), so nothing of the source leaks.
    if (need.from !== undefined && !has(need.from, "pull")) {
      const plain = new URL(url);
      plain.searchParams.delete("mount");
      plain.searchParams.delete("from");
      c.req.raw = new Request(plain, request);
    }
    return next();
  }
}
