import { describe, expect, it } from "vitest";
import { requestIdOf } from "./request-id.ts";

describe("requestIdOf", () => {
  it("keeps a sane incoming id", () => {
    for (const id of ["abc", "A.b-c_9", "x".repeat(64)]) expect(requestIdOf(id)).toBe(id);
  });
  it("replaces a missing, long or unsafe one with a fresh uuid", () => {
    for (const id of [null, undefined, "", "x".repeat(65), "a b", "a\nb", 'a"b', "a;b", "ä"]) {
      const out = requestIdOf(id);
      expect(out).not.toBe(id);
      expect(out).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
  });
  it("never gives two requests the same fresh id", () => {
    expect(requestIdOf(null)).not.toBe(requestIdOf(null));
  });
});
