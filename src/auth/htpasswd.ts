// The users of [auth] htpasswd: "name:hash" lines as apache2-utils' `htpasswd -B`
// writes them. Only bcrypt hashes are taken: the others htpasswd can write
// (MD5 "$apr1$", SHA-1 "{SHA}", crypt, plain text) are weak or unsalted, so a
// file holding one is refused at start with its line number rather than
// quietly locking that user out. Imports nothing of ours (config/ uses it).

export class HtpasswdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HtpasswdError";
  }
}

/** $2a$, $2b$ or $2y$, a two-digit cost, 53 characters of salt and hash. */
const BCRYPT = /^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$/;

/** What a hash that is not bcrypt looks like, for the error message (never the hash itself). */
function hashKind(hash: string): string {
  if (hash.startsWith("$apr1$")) return "an MD5 ($apr1$) hash";
  if (hash.startsWith("{SHA}")) return "a SHA-1 ({SHA}) hash";
  if (/^\$[156]\$/.test(hash)) return "a crypt(3) hash";
  if (hash.startsWith("$2")) return "a malformed bcrypt hash";
  return "no bcrypt hash (crypt or plain text)";
}

/** user name → bcrypt hash. Throws HtpasswdError naming the line (1-based). */
export function parseHtpasswd(text: string): Map<string, string> {
  const users = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new HtpasswdError(`line ${i + 1}: expected "name:bcrypt-hash"`);
    const name = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (/\s/.test(name) || name.length > 128) throw new HtpasswdError(`line ${i + 1}: a user name without spaces, at most 128 characters, expected`);
    if (!BCRYPT.test(hash)) throw new HtpasswdError(`line ${i + 1}: user ${JSON.stringify(name)} has ${hashKind(hash)}; only bcrypt entries are accepted (htpasswd -B)`);
    if (users.has(name)) throw new HtpasswdError(`line ${i + 1}: user ${JSON.stringify(name)} appears twice`);
    users.set(name, hash);
  }
  return users;
}
