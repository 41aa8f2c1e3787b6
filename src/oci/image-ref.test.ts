import { describe, expect, test } from "vitest";
import { formatImageRef, parseImageRef, referenceOf } from "./image-ref.ts";

const D = `sha256:${"a".repeat(64)}`;

describe("parseImageRef", () => {
  test("name and tag", () => {
    expect(parseImageRef("docker.io/library/nginx:1.27")).toEqual({ name: "docker.io/library/nginx", tag: "1.27" });
  });
  test("name and digest, with or without a tag", () => {
    expect(parseImageRef(`quay.io/org/app@${D}`)).toEqual({ name: "quay.io/org/app", digest: D });
    expect(parseImageRef(`quay.io/org/app:v1@${D}`)).toEqual({ name: "quay.io/org/app", tag: "v1", digest: D });
  });
  test("a bare repository", () => {
    expect(parseImageRef("docker.io/library/nginx")).toEqual({ name: "docker.io/library/nginx" });
  });
  test("refuses what the grammar refuses", () => {
    for (const bad of ["", "Docker.io/x:1", "docker.io/x:", "docker.io/x@sha256:12", "docker.io//x", "docker.io/x:-bad", "a/b c"]) {
      expect(parseImageRef(bad), bad).toBeUndefined();
    }
  });
  test("referenceOf prefers the digest; formatImageRef round-trips", () => {
    const r = parseImageRef(`quay.io/org/app:v1@${D}`)!;
    expect(referenceOf(r)).toBe(D);
    expect(formatImageRef(r)).toBe(`quay.io/org/app:v1@${D}`);
  });
});
