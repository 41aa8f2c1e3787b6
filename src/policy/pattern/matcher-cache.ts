// Compiled patterns, kept across policy changes. After any change the engine
// reloads a namespace's policies; without this, one new policy would mean
// recompiling all the others (≈0.1-0.3 ms each, so ~200 ms for 1,000) inside
// the first push's write transaction. Keyed by pattern text, so a pattern is
// compiled once however many policies share it; cleared as a whole when it
// grows past a bound (patterns of deleted policies would pile up otherwise).
import { compileTagPattern, type TagMatcher } from "./pattern.ts";

export const MAX_CACHED_PATTERNS = 5000;

export class MatcherCache {
  /** null: the pattern does not compile. */
  private readonly matchers = new Map<string, TagMatcher | null>();

  get(pattern: string): TagMatcher | undefined {
    let matcher = this.matchers.get(pattern);
    if (matcher === undefined) {
      if (this.matchers.size >= MAX_CACHED_PATTERNS) this.matchers.clear();
      try {
        matcher = compileTagPattern(pattern);
      } catch {
        matcher = null;
      }
      this.matchers.set(pattern, matcher);
    }
    return matcher ?? undefined;
  }

  get size(): number {
    return this.matchers.size;
  }
}
