import { describe, expect, test } from "vitest";
import { JsonShapeScan, shapeProblem, withinDepth } from "./json-depth.ts";
import { InvalidManifest, parseManifest } from "./manifest.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const nested = (n: number) => "[".repeat(n) + "]".repeat(n);

describe("JSON nesting depth", () => {
  test("counts objects and arrays, up to the limit inclusive", () => {
    expect(withinDepth(enc(nested(64)))).toBe(true);
    expect(withinDepth(enc(nested(65)))).toBe(false);
    expect(withinDepth(enc(`{"a":{"b":[{}]}}`), 4)).toBe(true);
    expect(withinDepth(enc(`{"a":{"b":[{}]}}`), 3)).toBe(false);
  });
  test("brackets inside strings, escaped quotes included, do not count", () => {
    expect(withinDepth(enc(`{"a":"${"[".repeat(200)}"}`), 1)).toBe(true);
    expect(withinDepth(enc(`{"a":"\\"${"{".repeat(200)}"}`), 1)).toBe(true);
    expect(withinDepth(enc(`{"a":"\\\\","b":${nested(3)}}`), 3)).toBe(false);
  });
  test("a bomb is an InvalidManifest before JSON.parse runs", () => {
    const bomb = enc(`{"schemaVersion":2,"annotations":${'{"a":'.repeat(690_000)}1${"}".repeat(690_000)}}`);
    expect(() => parseManifest(bomb)).toThrow(InvalidManifest);
    expect(() => parseManifest(bomb)).toThrow(/deeper than 64 levels/);
  });

  test("a flat bomb is refused by its number of objects", () => {
    expect(shapeProblem(enc(`[${Array(100_000).fill("{}").join(",")}]`))).toMatch(/more than 100000 objects/);
    expect(shapeProblem(enc(`[${Array(99_999).fill("{}").join(",")}]`))).toBeUndefined();
  });
});

describe("JsonShapeScan, fed in chunks", () => {
  test("state carries across chunks: a string, and an escaped quote split at the boundary", () => {
    const scan = new JsonShapeScan(2);
    expect(scan.feed(enc('{"a":"[[[\\'))).toBeUndefined();
    expect(scan.feed(enc('"[[[",'))).toBeUndefined(); // still inside the string: the quote was escaped
    expect(scan.feed(enc('"b":[1]}'))).toBeUndefined();
  });
  test("refuses at the first byte past the depth, whatever follows", () => {
    const scan = new JsonShapeScan(3);
    expect(scan.feed(enc("[[["))).toBeUndefined();
    expect(scan.feed(enc("["))).toMatch(/deeper than 3/);
  });
});
