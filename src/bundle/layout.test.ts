// index.json of a bundle: what an import accepts before anything is stored.
import { describe, expect, test } from "vitest";
import { BundleInvalid, parseIndex } from "./layout.ts";

const enc = (s: string) => new TextEncoder().encode(s);

describe("parseIndex", () => {
  test("a deeply nested index.json is refused before it is parsed", () => {
    const bomb = `{"manifests":[],"annotations":${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}}`;
    expect(() => parseIndex(enc(bomb))).toThrow(BundleInvalid);
    expect(() => parseIndex(enc(bomb))).toThrow(/deeper than 64 levels/);
  });

  test("keeps the whole document beside its entries", () => {
    const index = parseIndex(enc(`{"schemaVersion":2,"manifests":[{"mediaType":"m","digest":"sha256:${"a".repeat(64)}","size":3}],"extra":true}`));
    expect(index.entries).toHaveLength(1);
    expect(index.document.extra).toBe(true);
  });
});
