import { describe, expect, test } from "vitest";
import { digestOf, parseDigest } from "./digest.ts";
import { isValidName, isValidTag } from "./names.ts";

describe("digests", () => {
  test("accepts sha256 and sha512 of the right length", () => {
    expect(parseDigest(digestOf("x"))).toEqual({ algorithm: "sha256", hex: digestOf("x").slice(7) });
    expect(parseDigest(digestOf("x", "sha512"))?.algorithm).toBe("sha512");
  });
  test.each(["sha256:abc", "sha256:" + "A".repeat(64), "md5:" + "a".repeat(32), "sha256" + "a".repeat(64), "sha256:../" + "a".repeat(61), ""])(
    "rejects %s",
    (d) => expect(parseDigest(d)).toBeUndefined(),
  );
});

describe("names and tags", () => {
  test.each(["a", "myorg/app", "docker.io/library/nginx", "a-b/c__d/e.f", "x--y"])("name %s is valid", (n) => expect(isValidName(n)).toBe(true));
  test.each(["../etc", "Upper/case", "a".repeat(300), "a//b", "/a", "a/", "a..b", "-a"])("name %s is invalid", (n) => expect(isValidName(n)).toBe(false));
  test.each(["latest", "v1.2.3", "_x", "A".repeat(128)])("tag %s is valid", (t) => expect(isValidTag(t)).toBe(true));
  test.each(["", ".x", "-x", "A".repeat(129), "a/b", "a:b"])("tag %s is invalid", (t) => expect(isValidTag(t)).toBe(false));
});
