// Who may use the admin API. It can create and delete immutability policies
// and start downloads, so the safe default is: only this machine (loopback
// clients, which is where `regcache policy` and `regcache prefetch` run).
// With server.admin_token_file set, any client that sends the token may.
//
// "Only this machine" has to survive three tricks:
//  - a TLS terminator on the same host makes every client look like loopback:
//    with server.trusted_proxies, a request from such a proxy is judged by the
//    client address the proxy put in X-Forwarded-For;
//  - a web page in the operator's browser can post to http://127.0.0.1:5000
//    (cross-site request forgery): a request whose Origin is not the server's
//    own is refused, and writes must be Content-Type: application/json, which
//    no form and no "simple" cross-site fetch can send without a CORS
//    preflight that regcache never grants;
//  - DNS rebinding (evil.example resolving to 127.0.0.1) gets the browser past
//    both, but its Host header still names evil.example: without a token,
//    Host must be a loopback name or address.
import { timingSafeEqual } from "node:crypto";
import { type Cidr, inCidr, internalClass, parseCidr, parseIp } from "../config/ip.ts";
import type { ClientInfo } from "../platform/types.ts";

export function isLoopback(address: string): boolean {
  return internalClass(address) === "loopback";
}

function sameToken(sent: string, expected: string): boolean {
  const x = Buffer.from(sent);
  const y = Buffer.from(expected);
  return x.length === y.length && timingSafeEqual(x, y);
}

const deny = (status: 401 | 403 | 415, error: string) =>
  new Response(JSON.stringify({ error }), {
    status,
    headers: { "Content-Type": "application/json", ...(status === 401 ? { "WWW-Authenticate": 'Bearer realm="regcache admin"' } : {}) },
  });

export interface AdminAccessOptions {
  /** The content of server.admin_token_file, if set. */
  token?: string;
  /** server.trusted_proxies, as CIDR text. */
  trustedProxies?: readonly string[];
}

const within = (address: string, ranges: Cidr[]) => {
  const ip = parseIp(address);
  return ip !== undefined && ranges.some((r) => inCidr(ip, r));
};

/**
 * The address of the client: the peer, or, when the peer is a trusted proxy,
 * the nearest X-Forwarded-For entry that is not itself a trusted proxy (the
 * rightmost ones were added by our proxies; anything left of them the client
 * may have written itself), or the first entry when all of them are proxies.
 * "" when that cannot be told: never loopback.
 */
export function clientAddress(request: Request, peer: string, proxies: Cidr[]): string {
  if (!within(peer, proxies)) return peer;
  const forwarded = request.headers.get("x-forwarded-for");
  if (forwarded === null) return peer; // a local process speaking to us directly, not through the proxy
  const hops = forwarded.split(",").map((h) => h.trim());
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (parseIp(hop) === undefined) return "";
    if (!within(hop, proxies)) return hop;
  }
  // Every hop is one of ours: the first is the client (e.g. a local process via the local proxy).
  return hops[0] ?? "";
}

/** "localhost", "*.localhost" (RFC 6761) or a loopback address, with or without a port. */
export function isLoopbackHost(host: string | null): boolean {
  if (!host) return false;
  const name = host.toLowerCase().replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  return name === "localhost" || name.endsWith(".localhost") || isLoopback(name);
}

const WRITES = new Set(["POST", "PUT", "PATCH"]);

/** Refusals that hold with or without a token: another site's page must not drive the API. */
export function crossSiteRefusal(request: Request): Response | undefined {
  const origin = request.headers.get("origin");
  if (origin !== null) {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined; // "null" (sandboxed frames, file://) is never our own origin
    }
    if (host === undefined || host !== request.headers.get("host")?.toLowerCase()) {
      return deny(403, `the admin API refuses requests from another site (Origin ${origin.slice(0, 100)})`);
    }
  }
  // DELETE needs no such check: browsers always preflight it cross-site.
  // application/x-tar (bundle imports) is no type a cross-site form can send without a preflight either.
  if (WRITES.has(request.method) && !/^application\/(json|x-tar)\s*(;|$)/i.test(request.headers.get("content-type") ?? "")) {
    return deny(415, "admin API writes need Content-Type: application/json");
  }
  return undefined;
}

/**
 * A gate in front of the admin API: returns the refusal, or undefined to let
 * the request through.
 */
export function adminAccess(options: AdminAccessOptions | string | undefined): (request: Request, client: ClientInfo | undefined) => Response | undefined {
  const { token, trustedProxies = [] } = typeof options === "object" ? options : { token: options };
  const proxies = trustedProxies.map((c) => parseCidr(c)).filter((c): c is Cidr => c !== undefined);
  return (request, client) => {
    const crossSite = crossSiteRefusal(request);
    if (crossSite) return crossSite;
    if (token) {
      // Auth schemes are case-insensitive (RFC 9110 §11.1): "bearer x" is as good as "Bearer x".
      const m = /^bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "");
      const sent = m ? m[1]!.trim() : "";
      return sent && sameToken(sent, token) ? undefined : deny(401, "the admin API needs the token from server.admin_token_file (Authorization: Bearer …)");
    }
    if (!isLoopbackHost(request.headers.get("host"))) {
      return deny(403, "without server.admin_token_file the admin API answers only requests to a loopback Host (localhost, 127.0.0.1, [::1])");
    }
    if (client && isLoopback(clientAddress(request, client.address, proxies))) return undefined;
    return deny(403, "the admin API answers only on this machine (loopback); set server.admin_token_file to allow remote clients with a token");
  };
}
