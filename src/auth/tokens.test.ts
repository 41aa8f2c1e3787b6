// Token verification as an attacker would try it: alg none, HMAC with the public key,
// another key, expired, another audience or issuer, a tampered payload, a forged
// access claim, malformed and huge tokens. And the key file: 0600, reused, refused when open.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, describe, expect, test } from "vitest";
import { ANONYMOUS } from "./rules.ts";
import { loadOrCreateTokenKey, type TokenKey } from "./token-key.ts";
import { createTokenService, TokenInvalid } from "./tokens.ts";

const dir = mkdtempSync(join(tmpdir(), "regcache-tokens-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const b64 = (x: unknown) => Buffer.from(JSON.stringify(x)).toString("base64url");
const part = (token: string, i: number) => JSON.parse(Buffer.from(token.split(".")[i]!, "base64url").toString()) as Record<string, unknown>;
const access = [{ type: "repository" as const, name: "myorg/app", actions: ["pull"] }];

async function expectInvalid(promise: Promise<unknown>, reason: RegExp) {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(TokenInvalid);
  expect((error as TokenInvalid).reason).toMatch(reason);
}

/** A token signed with `key`, with claims a regcache token has unless overridden. */
async function forge(key: TokenKey["privateKey"], claims: Record<string, unknown>, header: Record<string, unknown> = { alg: "ES256" }) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: "regcache", aud: "regcache", iat: now, nbf: now, exp: now + 300, jti: "x", access, sub: "alice", ...claims }).setProtectedHeader(header as { alg: string }).sign(key);
}

describe("token key", () => {
  test("made at the first start with mode 0600, the same key after a restart", async () => {
    const first = await loadOrCreateTokenKey(dir);
    expect(statSync(join(dir, "token-key.jwk")).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateTokenKey(dir);
    expect(again.kid).toBe(first.kid);
    // A token issued before the restart verifies after it.
    const before = await createTokenService(first, 300_000).issue({ user: "alice" }, access);
    expect((await createTokenService(again, 300_000).verify(before.token)).subject).toEqual({ user: "alice" });
  });

  test("a key file readable by others is refused, naming the file and its mode; a damaged one says so", async () => {
    const open = mkdtempSync(join(dir, "open-"));
    await loadOrCreateTokenKey(open);
    chmodSync(join(open, "token-key.jwk"), 0o644);
    await expect(loadOrCreateTokenKey(open)).rejects.toThrow(/token-key\.jwk is accessible to others \(mode 0644\)/);
    chmodSync(join(open, "token-key.jwk"), 0o600);
    writeFileSync(join(open, "token-key.jwk"), '{"kty":"oct","k":"AAAA"}');
    await expect(loadOrCreateTokenKey(open)).rejects.toThrow(/token key .* is damaged/);
  });
});

describe("token verification", async () => {
  const key = await loadOrCreateTokenKey(dir);
  // Real time plus an offset the expiry test moves: a clock frozen when this block ran
  // would lag the real one that forge() stamps nbf with, and refuse tokens "not yet valid"
  // once the file's tests start a second or more later (a busy machine).
  let clockOffset = 0;
  const clock = () => Date.now() + clockOffset;
  const tokens = createTokenService(key, 300_000, clock);

  test("a token we issued verifies with its subject and access; anonymous has no subject", async () => {
    const issued = await tokens.issue({ user: "alice" }, access);
    expect(issued.expiresInSeconds).toBe(300);
    const verified = await tokens.verify(issued.token);
    expect(verified.subject).toEqual({ user: "alice" });
    expect(verified.access).toEqual(access);
    expect(part(issued.token, 0)).toMatchObject({ alg: "ES256", kid: key.kid });
    const anon = await tokens.issue(ANONYMOUS, []);
    expect(part(anon.token, 1).sub).toBeUndefined();
    expect((await tokens.verify(anon.token)).subject).toEqual(ANONYMOUS);
  });

  test("alg none is refused", async () => {
    const genuine = (await tokens.issue({ user: "alice" }, access)).token;
    const payload = genuine.split(".")[1];
    await expectInvalid(tokens.verify(`${b64({ alg: "none", typ: "JWT" })}.${payload}.`), /algorithm|malformed/);
    await expectInvalid(tokens.verify(`${b64({ alg: "none" })}.${payload}`), /malformed/);
  });

  test("HS256 signed with the public key (algorithm confusion) is refused", async () => {
    const publicJwk = JSON.stringify(await exportJWK(key.publicKey));
    const secret = new TextEncoder().encode(publicJwk);
    const now = Math.floor(Date.now() / 1000);
    const hs = await new SignJWT({ iss: "regcache", aud: "regcache", iat: now, exp: now + 60, jti: "x", access, sub: "root" }).setProtectedHeader({ alg: "HS256" }).sign(secret);
    await expectInvalid(tokens.verify(hs), /algorithm/);
  });

  test("a token signed with another key is refused", async () => {
    const other = await generateKeyPair("ES256");
    await expectInvalid(tokens.verify(await forge(other.privateKey, {})), /signature/);
  });

  test("expired tokens are refused, also once they sit in the verified cache", async () => {
    const issued = await tokens.issue({ user: "alice" }, access);
    await tokens.verify(issued.token); // now cached
    clockOffset += 301_000;
    await expectInvalid(tokens.verify(issued.token), /expired/);
    const fresh = createTokenService(key, 300_000, clock);
    await expectInvalid(fresh.verify(issued.token), /expired/);
    clockOffset = 0;
  });

  test("another audience (service) or issuer is refused", async () => {
    await expectInvalid(tokens.verify(await forge(key.privateKey, { aud: "other-registry" })), /claim "aud"/);
    await expectInvalid(tokens.verify(await forge(key.privateKey, { iss: "someone-else" })), /claim "iss"/);
  });

  test("a tampered payload (more actions, another user) breaks the signature", async () => {
    const [header, payload, signature] = (await tokens.issue({ user: "bob" }, access)).token.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    for (const changed of [{ ...claims, access: [{ ...access[0], actions: ["pull", "push", "delete"] }] }, { ...claims, sub: "root" }, { ...claims, exp: claims.exp + 86_400 }]) {
      await expectInvalid(tokens.verify(`${header}.${b64(changed)}.${signature}`), /signature/);
    }
  });

  test("a signed token with a malformed access claim or subject, or without exp/jti, is refused", async () => {
    await expectInvalid(tokens.verify(await forge(key.privateKey, { access: [{ type: "repository", name: "x", actions: "pull" }] })), /access claim/);
    await expectInvalid(tokens.verify(await forge(key.privateKey, { access: "everything" })), /access claim/);
    await expectInvalid(tokens.verify(await forge(key.privateKey, { sub: "" })), /subject/);
    await expectInvalid(tokens.verify(await forge(key.privateKey, { exp: undefined })), /claim "exp"/);
    await expectInvalid(tokens.verify(await forge(key.privateKey, { jti: undefined })), /claim "jti"/);
  });

  test("garbage and huge tokens are refused without echoing them", async () => {
    for (const junk of ["", "abc", "a.b.c", "..", "eyJ.eyJ.", "%%%.%%%.%%%", `${b64({ alg: "ES256" })}.${"A".repeat(100)}.AAAA`]) {
      const error = await tokens.verify(junk).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenInvalid);
      if (junk.length > 3) expect((error as Error).message).not.toContain(junk);
    }
    await expectInvalid(tokens.verify("a".repeat(1_000_000)), /too long/);
  });

  test("the key file holds a private key only regcache reads", () => {
    expect(JSON.parse(readFileSync(join(dir, "token-key.jwk"), "utf8"))).toMatchObject({ kty: "EC", crv: "P-256" });
  });
});
