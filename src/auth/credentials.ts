// Checking a client's Basic credentials against the htpasswd users. bcrypt is slow
// on purpose (tens of ms per check in JavaScript), and clients ask /token often
// (podman once per repository and action), so a successful check is remembered for
// a minute under an HMAC of name and password with a key that lives only in this
// process's memory: no password, and nothing that could be brute-forced offline,
// is kept anywhere. A failed check is never remembered.
import { createHmac, randomBytes } from "node:crypto";
import { Buffer } from "node:buffer";
import bcrypt from "bcryptjs";

export interface BasicCredentials {
  username: string;
  password: string;
}

/** Longest Authorization: Basic value taken (name and password of 1 KiB each are plenty). */
const MAX_BASIC_LENGTH = 4096;

/** undefined: no Basic credentials. "malformed": a Basic header that cannot be decoded. */
export function parseBasic(header: string | null): BasicCredentials | "malformed" | undefined {
  if (header === null) return undefined;
  const m = /^basic\s+(\S+)\s*$/i.exec(header.length > MAX_BASIC_LENGTH ? "" : header);
  if (!m) return /^basic\b/i.test(header) ? "malformed" : undefined;
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) return "malformed";
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const REMEMBER_MS = 60_000;
const REMEMBER_MAX = 4096;
/** The cost of the file's first hash ("$2y$05$…" → 5), so that an unknown user costs what a known one does. */
const costOf = (users: ReadonlyMap<string, string>) => Number(/^\$2[aby]\$(\d\d)\$/.exec(users.values().next().value ?? "")?.[1] ?? 10);

export interface CredentialChecker {
  check(credentials: BasicCredentials): Promise<boolean>;
}

export function createCredentialChecker(users: ReadonlyMap<string, string>, now: () => number = Date.now): CredentialChecker {
  const key = randomBytes(32);
  // A real bcrypt hash of a random password: unknown users cost as much as known ones, so response
  // times do not tell which names exist. Made at the first check (hashing takes time).
  let dummyHash: string | undefined;
  const remembered = new Map<string, number>();
  const fingerprint = (c: BasicCredentials) => createHmac("sha256", key).update(c.username).update("\0").update(c.password).digest("base64");
  return {
    async check(credentials) {
      const hash = users.get(credentials.username);
      const id = fingerprint(credentials);
      const until = remembered.get(id);
      if (hash !== undefined && until !== undefined && until > now()) return true;
      // bcrypt looks at the first 72 bytes only; a longer password is refused rather than truncated.
      if (Buffer.byteLength(credentials.password) > 72) return false;
      const ok = await bcrypt.compare(credentials.password, hash ?? (dummyHash ??= bcrypt.hashSync(randomBytes(16).toString("hex"), costOf(users))));
      if (!ok || hash === undefined) return false;
      if (remembered.size >= REMEMBER_MAX) remembered.delete(remembered.keys().next().value!);
      remembered.set(id, now() + REMEMBER_MS);
      return true;
    },
  };
}
