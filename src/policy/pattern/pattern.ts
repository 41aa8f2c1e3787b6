// Tag patterns: validated once, compiled to an automaton, matched against the
// whole tag name. Validation refuses what cannot run in linear time, what is
// too long or too complex, and anything JavaScript itself would not accept,
// so that a pattern means here what it means to the operator who wrote it.
import { buildDfa, type Dfa, runDfa } from "./pattern-dfa.ts";
import { PatternInvalid } from "./pattern-errors.ts";
import { buildNfa } from "./pattern-nfa.ts";
import { parsePattern } from "./pattern-parse.ts";

export { PatternInvalid } from "./pattern-errors.ts";

export const MAX_PATTERN_LENGTH = 256;

export interface TagMatcher {
  readonly source: string;
  /** True when the whole tag matches (the pattern is anchored at both ends). */
  matches(tag: string): boolean;
}

/** Compiles a pattern or throws PatternInvalid saying why not. */
export function compileTagPattern(source: string): TagMatcher {
  if (source.length === 0) throw new PatternInvalid("the pattern is empty");
  if (source.length > MAX_PATTERN_LENGTH) throw new PatternInvalid(`the pattern is ${source.length} characters long; at most ${MAX_PATTERN_LENGTH} are allowed`);
  try {
    // The same text must also be a valid JavaScript regular expression, with the
    // meaning users know from there; the automaton is built only from our subset.
    new RegExp(`^(?:${source})$`);
  } catch (e) {
    throw new PatternInvalid(`not a valid regular expression: ${(e as Error).message}`);
  }
  const dfa: Dfa = buildDfa(buildNfa(parsePattern(source)));
  return { source, matches: (tag) => runDfa(dfa, tag) };
}

/** The reason a pattern is refused, or undefined when it compiles. */
export function patternProblem(source: string): string | undefined {
  try {
    compileTagPattern(source);
    return undefined;
  } catch (e) {
    if (e instanceof PatternInvalid) return e.message;
    throw e;
  }
}
