// A parser for the tag-pattern language: the part of JavaScript's regular
// expression syntax that RE2 shares and that a finite automaton can run
// (literals, ., classes, \d \w \s, groups, |, * + ? {n,m}, ^ $). What needs a
// backtracking engine (backreferences, lookarounds) is refused here, with the
// position, so that evaluation can never take more than one step per character.
import { type CharSet, classEscape, complement, emptySet, fullSet, rangeSet, setOf, unionInto } from "./alphabet.ts";
import { PatternInvalid } from "./pattern-errors.ts";

export type Ast =
  | { t: "set"; set: CharSet }
  | { t: "seq"; items: Ast[] }
  | { t: "alt"; options: Ast[] }
  | { t: "repeat"; node: Ast; min: number; max: number }
  | { t: "assert"; at: "start" | "end" };

/** Tags are at most 128 characters: a larger count can only make a pattern slower, never match more. */
export const MAX_REPEAT = 128;

const QUANTIFIER = /^\{(\d+)(,(\d*))?\}/;
const LITERAL_ESCAPES = new Set("^$\\.*+?()[]{}|/-_:@#%&=~!,;<>'\"` ");

export function parsePattern(source: string): Ast {
  let pos = 0;
  const fail = (message: string, at = pos): never => {
    throw new PatternInvalid(`${message} (at offset ${at})`);
  };
  const peek = () => source[pos];

  function alternation(): Ast {
    const options = [sequence()];
    while (peek() === "|") {
      pos++;
      options.push(sequence());
    }
    return options.length === 1 ? options[0]! : { t: "alt", options };
  }

  function sequence(): Ast {
    const items: Ast[] = [];
    while (pos < source.length && peek() !== "|" && peek() !== ")") items.push(quantified(atom()));
    return items.length === 1 ? items[0]! : { t: "seq", items };
  }

  function atom(): Ast {
    const c = source[pos++]!;
    switch (c) {
      case "(":
        return group();
      case "[":
        return { t: "set", set: charClass() };
      case ".":
        return { t: "set", set: fullSet() };
      case "^":
        return { t: "assert", at: "start" };
      case "$":
        return { t: "assert", at: "end" };
      case "\\":
        return { t: "set", set: escape(false) };
      case "*":
      case "+":
      case "?":
        return fail(`nothing to repeat before "${c}"`, pos - 1);
      case "{":
      case "}":
      case "]":
        return fail(`a literal "${c}" must be escaped as "\\${c}"`, pos - 1);
      default:
        return { t: "set", set: setOf(c) };
    }
  }

  function quantified(node: Ast): Ast {
    const start = pos;
    let min: number;
    let max: number;
    const c = peek();
    if (c === "*") [min, max] = [0, Infinity];
    else if (c === "+") [min, max] = [1, Infinity];
    else if (c === "?") [min, max] = [0, 1];
    else if (c === "{") {
      const m = QUANTIFIER.exec(source.slice(pos));
      if (!m) return fail(`a literal "{" must be escaped as "\\{"`);
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
      if (max < min) fail(`repetition {${m[1]},${m[3]}} has its bounds out of order`);
      if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) fail(`repetition counts above ${MAX_REPEAT} are not allowed: tags are at most ${MAX_REPEAT} characters`);
      pos += m[0].length - 1;
    } else return node;
    pos++;
    if (node.t === "assert") fail(`"^" and "$" cannot be repeated`, start);
    if (peek() === "?") pos++; // lazy: the same set of whole matches
    if (peek() === "*" || peek() === "+" || peek() === "?" || peek() === "{") fail(`nothing to repeat before "${peek()}"`);
    return { t: "repeat", node, min, max };
  }

  function group(): Ast {
    const open = pos - 1;
    if (source.startsWith("?:", pos)) pos += 2;
    else if (source.startsWith("?=", pos) || source.startsWith("?!", pos)) fail("lookahead (?= and (?! is not supported", open);
    else if (source.startsWith("?<=", pos) || source.startsWith("?<!", pos)) fail("lookbehind (?<= and (?<! is not supported", open);
    else if (source.startsWith("?P<", pos)) fail(`named groups are written (?<name>…), not (?P<name>…)`, open);
    else if (source.startsWith("?<", pos)) {
      const m = /^\?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(source.slice(pos));
      if (!m) fail("a named group needs a name of letters, digits and _", open);
      pos += m![0].length;
    } else if (peek() === "?") fail("inline flags and other (? groups are not supported", open);
    const inner = alternation();
    if (peek() !== ")") fail("missing )", open);
    pos++;
    return inner;
  }

  function charClass(): CharSet {
    const open = pos - 1;
    const negate = peek() === "^";
    if (negate) pos++;
    if (peek() === "]") fail("empty character class", open);
    const set = emptySet();
    while (pos < source.length && peek() !== "]") {
      const [first, single] = classAtom();
      if (peek() === "-" && source[pos + 1] !== "]" && pos + 1 < source.length) {
        pos++;
        const [last, lastSingle] = classAtom();
        if (single === undefined || lastSingle === undefined) fail("a range cannot start or end with a class like \\d", open);
        if (lastSingle! < single!) fail("character range out of order", open);
        unionInto(set, rangeSet(single!, lastSingle!));
      } else unionInto(set, first);
    }
    if (peek() !== "]") fail("missing ]", open);
    pos++;
    return negate ? complement(set) : set;
  }

  /** One member of a class: its set, and its code when it is a single character. */
  function classAtom(): [CharSet, number | undefined] {
    const c = source[pos++]!;
    if (c !== "\\") return [setOf(c), c.charCodeAt(0)];
    const letter = source[pos];
    const set = escape(true);
    return classEscape(letter ?? "") ? [set, undefined] : [set, letter!.charCodeAt(0)];
  }

  /** After a backslash: a class escape or an escaped punctuation character. */
  function escape(inClass: boolean): CharSet {
    const at = pos - 1;
    const letter = source[pos++];
    if (letter === undefined) return fail("trailing backslash", at);
    const cls = classEscape(letter);
    if (cls) return cls;
    if (/[1-9]/.test(letter) || letter === "k") return fail("backreferences are not supported", at);
    if (letter === "b" || letter === "B") return fail(inClass ? "\\b in a class is not supported" : "word boundaries \\b and \\B are not supported", at);
    if (LITERAL_ESCAPES.has(letter)) return setOf(letter);
    return fail(`unsupported escape "\\${letter}" (tags hold only [A-Za-z0-9_.-]; use ^ and $ for anchors)`, at);
  }

  const ast = alternation();
  if (pos < source.length) fail(`unmatched ")"`);
  return ast;
}
