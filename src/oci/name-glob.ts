// Globs over repository names ("library/*", "team/**"): `*` matches within one
// path component, `**` across components; everything else is literal. Compiled
// to an anchored regular expression. Names follow the OCI grammar, so the only
// characters a pattern can hold besides * and / are [a-z0-9._-].

/** Does `pattern` hold only name characters, `/` and `*`? */
export function isNameGlob(pattern: string): boolean {
  return /^[a-z0-9._\-/*]+$/.test(pattern) && !/\*{3,}/.test(pattern);
}

export function compileNameGlob(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*" && pattern[i + 1] === "*") {
      source += ".*";
      i++;
    } else if (c === "*") {
      source += "[^/]*";
    } else {
      source += c.replace(/[.\-]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
}
