// The characters a tag can hold ([A-Za-z0-9_.-], the distribution spec's tag
// grammar), numbered 0..64. Tag patterns are compiled over this alphabet only:
// a tag can never contain anything else, so a class like [^a] or \S needs to
// mean "any other tag character" and nothing more.

export const TAG_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";
export const ALPHABET_SIZE = TAG_ALPHABET.length;

/** Symbol number of an ASCII code, or -1 for a character no tag can contain. */
export const SYMBOL_OF = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET_SIZE; i++) table[TAG_ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/** A set of tag characters: one flag per symbol. */
export type CharSet = Uint8Array;

export const emptySet = (): CharSet => new Uint8Array(ALPHABET_SIZE);
export const fullSet = (): CharSet => new Uint8Array(ALPHABET_SIZE).fill(1);

export function setOf(chars: string): CharSet {
  const set = emptySet();
  for (const c of chars) {
    const code = c.charCodeAt(0);
    // A character outside the alphabet adds nothing: no tag can contain it.
    const symbol = code < 128 ? SYMBOL_OF[code]! : -1;
    if (symbol >= 0) set[symbol] = 1;
  }
  return set;
}

/** Every tag character whose code lies in [from, to]. */
export function rangeSet(from: number, to: number): CharSet {
  const set = emptySet();
  for (let i = 0; i < ALPHABET_SIZE; i++) {
    const code = TAG_ALPHABET.charCodeAt(i);
    if (code >= from && code <= to) set[i] = 1;
  }
  return set;
}

export function unionInto(target: CharSet, source: CharSet): void {
  for (let i = 0; i < ALPHABET_SIZE; i++) if (source[i]) target[i] = 1;
}

export function complement(set: CharSet): CharSet {
  const out = emptySet();
  for (let i = 0; i < ALPHABET_SIZE; i++) out[i] = set[i] ? 0 : 1;
  return out;
}

const DIGITS = "0123456789";
const WORD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";

/** The class escapes: \d \w \s and their complements (\s is empty: tags hold no spaces). */
export function classEscape(letter: string): CharSet | undefined {
  switch (letter) {
    case "d":
      return setOf(DIGITS);
    case "D":
      return complement(setOf(DIGITS));
    case "w":
      return setOf(WORD);
    case "W":
      return complement(setOf(WORD));
    case "s":
      return emptySet();
    case "S":
      return fullSet();
    default:
      return undefined;
  }
}
