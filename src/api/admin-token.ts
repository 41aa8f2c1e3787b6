// issue 12: the admin API also takes a token from /token that carries the scope
// "registry:admin:*" (granted to auth.admin_users and auth.admin_groups), as an
// alternative to server.admin_token_file. The user must still be an admin when the
// token is used (a SIGHUP that removes one takes effect at once). The cross-site
// refusals (Origin, Content-Type) apply to such tokens as to any other request.
import type { AuthService } from "../auth/service.ts";
import { grants } from "../auth/scope.ts";
import { TokenInvalid } from "../auth/tokens.ts";

export const ADMIN_SCOPE = "registry:admin:*";

/** Does the request carry a valid token of an admin with the admin scope? */
export async function hasAdminToken(auth: AuthService, request: Request): Promise<boolean> {
  const m = /^bearer\s+([A-Za-z0-9._~+/=-]{1,16384})\s*$/i.exec(request.headers.get("authorization") ?? "");
  // A JWT has two dots; the admin_token_file's token is checked by the gate as before.
  if (!m || m[1]!.split(".").length !== 3) return false;
  try {
    const token = await auth.tokens.verify(m[1]!);
    return grants(token.access, "registry", "admin", "*") && auth.rules.isAdmin(token.subject) && "user" in token.subject && auth.knowsUser(token.subject.user);
  } catch (e) {
    if (e instanceof TokenInvalid) return false;
    throw e;
  }
}
