// Parses the WWW-Authenticate header (RFC 9110 §11.6.1) as registries send it:
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"
//   Basic realm="Registry Realm"
// Values may be quoted (and then contain commas and escaped quotes) or bare
// tokens; one header may carry several challenges separated by commas.

export interface Challenge {
  /** Lower-cased scheme: "bearer", "basic", ... */
  scheme: string;
  /** Parameters by lower-cased name; values unquoted. */
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const SPACE = /[ \t]*/y;
// Unquoted values should be tokens, but some servers send bare URLs; take
// everything up to the next comma or space rather than dropping the realm.
const BARE_VALUE = /[^\s,]*/y;

/** A tiny cursor over the header; sticky regexes keep it allocation-light. */
class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  done(): boolean {
    return this.pos >= this.text.length;
  }
  skipSpace(): void {
    SPACE.lastIndex = this.pos;
    SPACE.exec(this.text);
    this.pos = SPACE.lastIndex;
  }
  token(): string | undefined {
    TOKEN.lastIndex = this.pos;
    const m = TOKEN.exec(this.text);
    if (!m) return undefined;
    this.pos = TOKEN.lastIndex;
    return m[0];
  }
  bareValue(): string {
    BARE_VALUE.lastIndex = this.pos;
    const m = BARE_VALUE.exec(this.text);
    this.pos = BARE_VALUE.lastIndex;
    return m ? m[0] : "";
  }
  peek(): string {
    return this.text[this.pos] ?? "";
  }
  /** A quoted-string starting at the current `"`; backslash escapes the next char. */
  quoted(): string {
    let out = "";
    this.pos++; // opening quote
    while (!this.done()) {
      const c = this.text[this.pos++];
      if (c === '"') return out;
      if (c === "\\" && !this.done()) out += this.text[this.pos++];
      else out += c;
    }
    return out; // unterminated: take what is there rather than failing the whole header
  }
}

/** Parses every challenge in the header; malformed parts are skipped, never thrown. */
export function parseWwwAuthenticate(header: string | undefined): Challenge[] {
  if (!header) return [];
  const c = new Cursor(header);
  const out: Challenge[] = [];
  let current: Challenge | undefined;
  while (!c.done()) {
    c.skipSpace();
    if (c.peek() === ",") {
      c.pos++;
      continue;
    }
    const word = c.token();
    if (word === undefined) {
      c.pos++; // stray character: skip it
      continue;
    }
    c.skipSpace();
    if (c.peek() === "=" && current) {
      // name=value: a parameter of the current challenge
      c.pos++;
      c.skipSpace();
      const value = c.peek() === '"' ? c.quoted() : c.bareValue();
      current.params[word.toLowerCase()] = value;
    } else {
      // a bare word that is not followed by "=" starts a new challenge
      current = { scheme: word.toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}

/** The first challenge with this scheme, if any. */
export function findChallenge(header: string | undefined, scheme: "bearer" | "basic"): Challenge | undefined {
  return parseWwwAuthenticate(header).find((ch) => ch.scheme === scheme);
}
