// Digests as the OCI image spec defines them: `algorithm:encoded`.
// Only sha256 and sha512 are accepted for content we store; the grammar check
// runs before a digest is ever used as a file name or a database key.
import { createHash, type Hash } from "node:crypto";

export type Algorithm = "sha256" | "sha512";

const ENCODED_LENGTH: Record<Algorithm, number> = { sha256: 64, sha512: 128 };
const DIGEST_RE = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

export interface ParsedDigest {
  algorithm: Algorithm;
  hex: string;
}

/** Parses and validates a digest; undefined for anything we would not store. */
export function parseDigest(text: string): ParsedDigest | undefined {
  const m = DIGEST_RE.exec(text);
  if (!m) return undefined;
  const algorithm = m[1] as Algorithm;
  const hex = m[2]!;
  const len = ENCODED_LENGTH[algorithm];
  if (len === undefined || hex.length !== len || !/^[a-f0-9]+$/.test(hex)) return undefined;
  return { algorithm, hex };
}

export function isDigest(text: string): boolean {
  return parseDigest(text) !== undefined;
}

/** Looks like a digest (has an algorithm prefix), valid or not: such a reference is never a tag. */
export function looksLikeDigest(text: string): boolean {
  return text.includes(":");
}

/** An incremental hasher for one algorithm. */
export class Digester {
  private readonly hash: Hash;
  constructor(readonly algorithm: Algorithm = "sha256") {
    this.hash = createHash(algorithm);
  }
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
  }
  digest(): string {
    return `${this.algorithm}:${this.hash.digest("hex")}`;
  }
}

export function digestOf(bytes: Uint8Array | string, algorithm: Algorithm = "sha256"): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}
