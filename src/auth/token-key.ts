// The key that signs regcache's tokens: an ES256 (P-256) key pair, generated at
// the first start into storage.path and reused after restarts, so tokens stay
// valid across a restart within their short lifetime. The file holds the private
// key as a JWK, mode 0600; one readable by others is refused like any secret.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";
import { checkSecretFileMode } from "../config/secrets.ts";
import { ConfigError } from "../config/load.ts";

import { tokenKeyPath } from "./token-key-path.ts";

export const TOKEN_ALG = "ES256";

export interface TokenKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The JWK thumbprint, sent as `kid`. */
  kid: string;
  /** A secret derived from the private key for other keyed hashes (passthrough confirmations), so they outlive restarts too. */
  derivedSecret: Uint8Array;
}

async function fromJwk(jwk: JWK): Promise<TokenKey> {
  const { d: _d, ...publicJwk } = jwk;
  const privateKey = (await importJWK(jwk, TOKEN_ALG)) as CryptoKey;
  const publicKey = (await importJWK(publicJwk, TOKEN_ALG)) as CryptoKey;
  const derivedSecret = createHash("sha256").update("regcache passthrough confirmations\0").update(String(jwk.d)).digest();
  return { privateKey, publicKey, kid: await calculateJwkThumbprint(publicJwk), derivedSecret };
}

/** Reads the key from storage.path, or makes it there (0600) when there is none yet. */
export async function loadOrCreateTokenKey(storagePath: string): Promise<TokenKey> {
  const path = tokenKeyPath(storagePath);
  let text: string | undefined;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new ConfigError(`auth: cannot read the token key ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (text !== undefined) {
    checkSecretFileMode(path, "auth (token key)");
    try {
      const jwk = JSON.parse(text) as JWK;
      if (jwk.kty !== "EC" || jwk.crv !== "P-256" || typeof jwk.d !== "string") throw new Error("not a P-256 private key");
      return await fromJwk(jwk);
    } catch (e) {
      throw new ConfigError(`auth: the token key ${path} is damaged (${(e as Error).message.slice(0, 100)}); remove it to make a new one (issued tokens become invalid)`);
    }
  }
  const { privateKey } = await generateKeyPair(TOKEN_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  try {
    // "wx": two servers starting on one storage path never overwrite each other's key.
    writeFileSync(path, JSON.stringify(jwk) + "\n", { mode: 0o600, flag: "wx" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return loadOrCreateTokenKey(storagePath);
    throw new ConfigError(`auth: cannot write the token key ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return fromJwk(jwk);
}
