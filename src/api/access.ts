// Who may use the admin API. It can create and delete immutability policies
// and start downloads, so the safe default is: only this machine (loopback
// clients, which is where `regcache policy` and `regcache prefetch` run).
// With server.admin_token_file set, any client that sends the token may.
import { timingSafeEqual } from "node:crypto";
import type { ClientInfo } from "../platform/types.ts";

export function isLoopback(address: string): boolean {
  const a = address.toLowerCase();
  return a === "::1" || a.startsWith("127.") || a.startsWith("::ffff:127.");
}

function sameToken(sent: string, expected: string): boolean {
  const x = Buffer.from(sent);
  const y = Buffer.from(expected);
  return x.length === y.length && timingSafeEqual(x, y);
}

const deny = (status: 401 | 403, error: string) =>
  new Response(JSON.stringify({ error }), {
    status,
    headers: { "Content-Type": "application/json", ...(status === 401 ? { "WWW-Authenticate": 'Bearer realm="regcache admin"' } : {}) },
  });

/**
 * A gate in front of the admin API: returns the refusal, or undefined to let
 * the request through. `token` is the content of server.admin_token_file, if set.
 */
export function adminAccess(token: string | undefined): (request: Request, client: ClientInfo | undefined) => Response | undefined {
  return (request, client) => {
    if (token) {
      const header = request.headers.get("authorization") ?? "";
      const sent = header.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : "";
      return sent && sameToken(sent, token) ? undefined : deny(401, "the admin API needs the token from server.admin_token_file (Authorization: Bearer …)");
    }
    if (client && isLoopback(client.address)) return undefined;
    return deny(403, "the admin API answers only on this machine (loopback); set server.admin_token_file to allow remote clients with a token");
  };
}
