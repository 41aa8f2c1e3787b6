import { describe, expect, test } from "vitest";
import { grants, parseScopes } from "./scope.ts";

describe("token scopes", () => {
  test("repeated and space-separated scopes; duplicate actions once", () => {
    expect(parseScopes(["repository:a/b:pull,push,pull", "repository:c:pull registry:catalog:*"])).toEqual([
      { type: "repository", name: "a/b", actions: ["pull", "push"] },
      { type: "repository", name: "c", actions: ["pull"] },
      { type: "registry", name: "catalog", actions: ["*"] },
    ]);
  });

  test("anything else grants nothing: other types, colons in names, empty parts, junk", () => {
    expect(parseScopes(["repository:host:5000/x:pull", "plugin:x:pull", "repository::pull", "repository:x:", "repository:x:PULL", "", "x".repeat(10_000)])).toEqual([]);
  });

  test("at most 64 scopes are considered, however many are sent", () => {
    expect(parseScopes(Array.from({ length: 5_000 }, (_, i) => `repository:r${i}:pull`))).toHaveLength(64);
  });

  test("grants: type, name and action must all match", () => {
    const access = [{ type: "repository" as const, name: "a/b", actions: ["pull"] }];
    expect(grants(access, "repository", "a/b", "pull")).toBe(true);
    expect(grants(access, "repository", "a/b", "push")).toBe(false);
    expect(grants(access, "repository", "a/bc", "pull")).toBe(false);
    expect(grants(access, "registry", "a/b", "pull")).toBe(false);
  });
});
