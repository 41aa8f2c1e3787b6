import { describe, expect, test } from "vitest";
import { TAG_ALPHABET } from "./alphabet.ts";
import { compileTagPattern, MAX_PATTERN_LENGTH, PatternInvalid, patternProblem } from "./pattern.ts";

// Patterns whose automaton must agree with JavaScript's own engine on every tag,
// each with a tag it matches: random edits of it give near misses and matches.
const AGREEING: [string, string][] = [
  ["^v.*", "v1"],
  ["v.*", "v"],
  ["^v[0-9]+\\.[0-9]+\\.[0-9]+$", "v1.22.3"],
  ["release-(stable|lts)", "release-lts"],
  ["(v|release-)\\d+(\\.\\d+)*", "release-1.2"],
  ["latest|stable", "stable"],
  ["^latest$|^v1", "v1"],
  ["[^a-z]+", "A1_"],
  ["[a-cx-z_.-]{2,5}", "a-z"],
  ["a{3}", "aaa"],
  ["a{2,}b?", "aaab"],
  ["(ab|a)*c", "abac"],
  ["(a+)+b", "aab"],
  ["(a|aa)*b", "aaab"],
  ["(?:x|y){0,3}z", "xyz"],
  ["(?<major>\\d+)\\.x", "12.x"],
  ["\\w+-\\W", "ab-."],
  ["\\D\\S*", "x1"],
  ["[\\d.]+", "1.2"],
  ["a.*b.*c.*d.*e", "abcde"],
  ["()a|", "a"],
  ["a$|b", "a"],
  ["[\\-.]+", "-.-"],
  ["a*?b+?c??", "abbc"],
  [".{1,3}", "ab"],
];

function mutate(rng: () => number, tag: string): string {
  let out = tag;
  const edits = Math.floor(rng() * 3);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rng() * (out.length + 1));
    const c = TAG_ALPHABET[Math.floor(rng() * TAG_ALPHABET.length)]!;
    const kind = rng();
    if (kind < 0.34) out = out.slice(0, at) + c + out.slice(at);
    else if (kind < 0.67) out = out.slice(0, at) + out.slice(at + 1);
    else out = out.slice(0, at) + (out[at - 1] ?? c) + out.slice(at);
  }
  return out || tag;
}

function randomTag(rng: () => number, bias: string): string {
  const length = 1 + Math.floor(rng() * 12);
  let out = "";
  for (let i = 0; i < length; i++) {
    const pool = rng() < 0.7 ? bias : TAG_ALPHABET;
    out += pool[Math.floor(rng() * pool.length)];
  }
  return out;
}

function seeded(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 8) / (1 << 24);
}

describe("compiled patterns agree with JavaScript on whole-tag matches", () => {
  for (const [source, example] of AGREEING) {
    test(source, () => {
      const matcher = compileTagPattern(source);
      const reference = new RegExp(`^(?:${source})$`);
      const rng = seeded(source.length * 7919 + 1);
      // Characters of the pattern itself make matches likely, not only misses.
      const bias = [...new Set(source.replace(/[^A-Za-z0-9_.-]/g, "") + "abv1.-")].join("");
      let matched = 0;
      for (let i = 0; i < 3000; i++) {
        const tag = i % 2 === 0 ? randomTag(rng, bias) : mutate(rng, example);
        const expected = reference.test(tag);
        if (expected) matched++;
        expect(matcher.matches(tag), `${source} on ${tag}`).toBe(expected);
      }
      expect(matcher.matches(example)).toBe(true);
      expect(matched).toBeGreaterThan(0);
    });
  }
});

test("anchors inside a pattern: ^$ and x^y match no tag", () => {
  for (const source of ["^$", "x^y"]) expect(compileTagPattern(source).matches("x")).toBe(false);
  expect(compileTagPattern("x^y").matches("xy")).toBe(false);
});

test("the whole tag must match, not a part of it", () => {
  const m = compileTagPattern("v1");
  expect(m.matches("v1")).toBe(true);
  expect(m.matches("v10")).toBe(false);
  expect(m.matches("xv1")).toBe(false);
  expect(compileTagPattern("v1.*").matches("v10-rc")).toBe(true);
});

test("characters no tag can hold never match, and classes stay inside the tag alphabet", () => {
  expect(compileTagPattern("a/b").matches("a/b")).toBe(false);
  expect(compileTagPattern("[^a]").matches("-")).toBe(true);
  expect(compileTagPattern(".").matches("é")).toBe(false);
});

test("evaluation stays linear for patterns that stall a backtracking engine", () => {
  const tag = "a".repeat(127) + "!";
  for (const source of ["(a+)+b", "(a|a)*b", "(a|aa)*c", ".*.*.*.*.*.*x"]) {
    const m = compileTagPattern(source);
    const started = performance.now();
    expect(m.matches(tag.slice(0, 127) + "c")).toBe(source === "(a|aa)*c");
    expect(performance.now() - started).toBeLessThan(50);
  }
});

describe("refused patterns say why", () => {
  const cases: [string, RegExp][] = [
    ["", /empty/],
    ["a".repeat(MAX_PATTERN_LENGTH + 1), /at most 256/],
    ["(a)\\1", /backreferences/],
    ["(?<n>a)\\k<n>", /backreferences/],
    ["v(?=1)", /lookahead/],
    ["v(?!1)", /lookahead/],
    ["(?<=v)1", /lookbehind/],
    ["(?<!v)1", /lookbehind/],
    ["(?i)v", /not a valid regular expression|inline flags/],
    ["(?P<x>a)", /not a valid regular expression|\(\?<name>/],
    ["\\bv", /word boundaries/],
    ["v(", /not a valid regular expression/],
    ["[a-", /not a valid regular expression/],
    ["*a", /not a valid regular expression|nothing to repeat/],
    ["a**", /not a valid regular expression|nothing to repeat/],
    ["a{3,2}", /not a valid regular expression|out of order/],
    ["a{200}", /above 128/],
    ["[z-a]", /not a valid regular expression|out of order/],
    ["\\x41", /unsupported escape/],
    ["\\p{L}", /unsupported escape/],
    ["a{", /escaped/],
    ["a]", /escaped/],
    ["[]a]", /empty character class/],
    ["^*", /not a valid regular expression|cannot be repeated/],
    [".*a.{12}", /too complex/],
    ["(a{100}){100}", /too complex/],
  ];
  for (const [source, reason] of cases) {
    test(JSON.stringify(source.length > 40 ? source.slice(0, 40) + "…" : source), () => {
      expect(() => compileTagPattern(source)).toThrow(PatternInvalid);
      expect(patternProblem(source)).toMatch(reason);
    });
  }
});
