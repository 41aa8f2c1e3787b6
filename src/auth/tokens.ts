// Issuing and checking regcache's tokens (JWT, ES256), shaped like the docker
// token spec's: iss and aud "regcache", sub the user (absent for anonymous),
// exp/nbf/iat, jti, and `access` with what was granted. Verification takes only
// ES256 with our key (no "none", no HMAC confusion), our issuer and audience, an
// unexpired token, and an access claim of the right shape; anything else is
// refused with a reason that never echoes the token.
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import * as v from "valibot";
import { ANONYMOUS, type Subject } from "./rules.ts";
import type { AccessClaim } from "./scope.ts";
import { TOKEN_ALG, type TokenKey } from "./token-key.ts";

export const TOKEN_ISSUER = "regcache";
export const TOKEN_SERVICE = "regcache";
/** Longer Authorization values are refused before any parsing (a JWT of ours is under 1 KiB plus its access list). */
export const MAX_TOKEN_LENGTH = 16 * 1024;

export interface VerifiedToken {
  subject: Subject;
  access: readonly AccessClaim[];
  /** Expiry, ms since the epoch. */
  expiresAt: number;
}

export interface IssuedToken {
  token: string;
  expiresInSeconds: number;
  issuedAt: Date;
}

const accessSchema = v.array(
  v.strictObject({ type: v.picklist(["repository", "registry"]), name: v.pipe(v.string(), v.maxLength(255)), actions: v.pipe(v.array(v.pipe(v.string(), v.maxLength(16))), v.maxLength(8)) }),
);

export class TokenInvalid extends Error {
  constructor(readonly reason: string) {
    super(`invalid token: ${reason}`);
    this.name = "TokenInvalid";
  }
}

export interface TokenService {
  issue(subject: Subject, access: AccessClaim[]): Promise<IssuedToken>;
  /** Throws TokenInvalid. */
  verify(token: string): Promise<VerifiedToken>;
}

/** How many verified tokens are remembered (token string → claims until expiry). */
const VERIFIED_CACHE_SIZE = 10_000;

export function createTokenService(key: TokenKey, ttlMs: number, now: () => number = Date.now): TokenService {
  // Verifying an ES256 signature costs ~0.1 ms; a pull makes dozens of requests with one token.
  // The cache holds only tokens that passed, keyed by their full text (so by their signature).
  const verified = new Map<string, VerifiedToken>();

  async function verifyUncached(token: string): Promise<VerifiedToken> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, key.publicKey, {
        algorithms: [TOKEN_ALG],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_SERVICE,
        requiredClaims: ["exp", "iat", "jti"],
        currentDate: new Date(now()),
      }));
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw new TokenInvalid("expired");
      if (e instanceof joseErrors.JWTClaimValidationFailed) throw new TokenInvalid(`claim ${JSON.stringify(e.claim).slice(0, 20)} not accepted`);
      if (e instanceof joseErrors.JOSEAlgNotAllowed) throw new TokenInvalid("algorithm not accepted");
      if (e instanceof joseErrors.JWSSignatureVerificationFailed) throw new TokenInvalid("signature does not verify");
      throw new TokenInvalid("malformed");
    }
    const access = v.safeParse(accessSchema, payload.access ?? []);
    if (!access.success) throw new TokenInvalid("malformed access claim");
    if (payload.sub !== undefined && (typeof payload.sub !== "string" || payload.sub === "")) throw new TokenInvalid("malformed subject");
    return { subject: payload.sub === undefined ? ANONYMOUS : { user: payload.sub }, access: access.output, expiresAt: payload.exp! * 1000 };
  }

  return {
    async issue(subject, access) {
      const issuedAt = new Date(Math.floor(now() / 1000) * 1000);
      const seconds = Math.max(1, Math.floor(ttlMs / 1000));
      const jwt = new SignJWT({ access })
        .setProtectedHeader({ alg: TOKEN_ALG, kid: key.kid, typ: "JWT" })
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_SERVICE)
        .setIssuedAt(issuedAt)
        .setNotBefore(issuedAt)
        .setExpirationTime(new Date(issuedAt.getTime() + seconds * 1000))
        .setJti(crypto.randomUUID());
      if ("user" in subject) jwt.setSubject(subject.user);
      return { token: await jwt.sign(key.privateKey), expiresInSeconds: seconds, issuedAt };
    },
    async verify(token) {
      if (token.length > MAX_TOKEN_LENGTH) throw new TokenInvalid("too long");
      const hit = verified.get(token);
      if (hit) {
        if (hit.expiresAt > now()) return hit;
        verified.delete(token);
        throw new TokenInvalid("expired");
      }
      const claims = await verifyUncached(token);
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
      verified.set(token, claims);
      return claims;
    },
  };
}
