// One object for everything the HTTP layer and the admin API need of auth: the
// /token endpoint, token verification, the rules. Built by server/services.ts
// from the resolved config at start and at each SIGHUP (new users, new rules);
// the signing key is loaded once and outlives reloads, so tokens stay valid.
import type { ResolvedAuth } from "../config/resolve.ts";
import { type Cidr, inCidr, parseCidr, parseIp } from "../config/ip.ts";
import { createCredentialChecker } from "./credentials.ts";
import { createLoginThrottle, type LoginThrottle } from "./login-throttle.ts";
import { compileRules, type AccessRules } from "./rules.ts";
import { tokenEndpoint, type PassthroughCheck } from "./token-endpoint.ts";
import type { TokenKey } from "./token-key.ts";
import { createTokenService, type TokenService } from "./tokens.ts";

export interface AuthService {
  tokens: TokenService;
  rules: AccessRules;
  /** The full name [[access]] matches for a /v2/ path name (and containerd's ?ns=). */
  canonical(name: string, ns?: string): string;
  /** Is this full name on an upstream with auth = "passthrough"? */
  isPassthrough(canonicalName: string): boolean;
  /** Is `address` one of server.trusted_proxies (whose X-Forwarded-* headers count)? */
  fromTrustedProxy(address: string): boolean;
  /** Is the user in the htpasswd file (as last read)? */
  knowsUser(name: string): boolean;
  /** [auth] realm, or "" to derive it from each request. */
  realm: string;
  /** GET /token; `address` is the client's (for the password-guessing throttle). */
  tokenEndpoint(request: Request, address?: string): Promise<Response>;
}

export interface AuthDeps {
  resolved: ResolvedAuth;
  key: TokenKey;
  canonical: (name: string, ns?: string) => string;
  passthrough?: PassthroughCheck;
  isPassthrough?: (canonicalName: string) => boolean;
  /** server.trusted_proxies (CIDR text). */
  trustedProxies?: readonly string[];
  /** Kept across reloads (start.ts), so a SIGHUP does not reset a guesser's count. */
  throttle?: LoginThrottle;
  now?: () => number;
}

export function createAuth(deps: AuthDeps): AuthService {
  const { resolved, key, canonical } = deps;
  const now = deps.now ?? Date.now;
  const rules = compileRules(resolved.config, resolved.access);
  const tokens = createTokenService(key, resolved.config.token_ttl, now);
  const credentials = createCredentialChecker(resolved.users, now);
  const knowsUser = (name: string) => resolved.users.has(name);
  const proxies = (deps.trustedProxies ?? []).map((c) => parseCidr(c)).filter((c): c is Cidr => c !== undefined);
  const throttle = deps.throttle ?? createLoginThrottle({ now });
  const endpointDeps = { credentials, rules, tokens, canonical: (name: string) => canonical(name), passthrough: deps.passthrough, isPassthrough: deps.isPassthrough, knowsUser, throttle };
  return {
    tokens,
    rules,
    canonical,
    realm: resolved.config.realm,
    isPassthrough: deps.isPassthrough ?? (() => false),
    knowsUser,
    fromTrustedProxy: (address) => {
      const ip = parseIp(address);
      return ip !== undefined && proxies.some((p) => inCidr(ip, p));
    },
    tokenEndpoint: (request, address) => tokenEndpoint(endpointDeps, request, address),
  };
}
