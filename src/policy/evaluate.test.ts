import { expect, test } from "vitest";
import { decide, NamespacePolicies, protectionTest } from "./evaluate.ts";
import type { Policy } from "./types.ts";

let n = 0;
function policy(fields: Partial<Policy>): Policy {
  n++;
  return { uuid: `p${n}`, namespace: "org", repository: null, tagPattern: ".*", tagPatternMatches: true, active: true, createdAt: n, updatedAt: n, ...fields };
}

test("a matching policy protects matching tags; a non-matching one protects the others", () => {
  const releases = policy({ tagPattern: "v.*" });
  const allButDev = policy({ tagPattern: "dev-.*", tagPatternMatches: false });
  const set = new NamespacePolicies([releases, allButDev]);
  expect(set.protectingPolicy("org/app", "v1")).toBe(releases);
  expect(set.protectingPolicy("org/app", "latest")).toBe(allButDev);
  expect(set.protectingPolicy("org/app", "dev-42")).toBeUndefined();
});

test("inactive policies are not enforced", () => {
  const set = new NamespacePolicies([policy({ tagPattern: "v.*", active: false })]);
  expect(set.size).toBe(0);
  expect(decide(set, "org/app", "v1", false)).toEqual({ immutable: false });
});

test("repository policies apply to their repository only", () => {
  const p = policy({ repository: "org/app", tagPattern: "stable" });
  const set = new NamespacePolicies([p]);
  expect(set.protectingPolicy("org/app", "stable")).toBe(p);
  expect(set.protectingPolicy("org/other", "stable")).toBeUndefined();
  expect(set.protectingPolicy("org/app/sub", "stable")).toBeUndefined();
});

test("the oldest protecting policy is named; a policy is named before a manual mark", () => {
  const newer = policy({ tagPattern: "v1.*", createdAt: 200 });
  const older = policy({ tagPattern: "v.*", createdAt: 100 });
  const set = new NamespacePolicies([newer, older]);
  expect(decide(set, "org/app", "v1", true)).toEqual({ immutable: true, reason: "policy", policy: older });
  expect(decide(set, "org/app", "latest", true)).toEqual({ immutable: true, reason: "manual" });
});

test("a stored pattern that no longer compiles fails closed", () => {
  const broken = policy({ tagPattern: "(a)\\1" });
  const set = new NamespacePolicies([broken]);
  expect(set.broken).toEqual([broken]);
  expect(set.protectingPolicy("org/app", "anything")).toBe(broken);
});

test("protectionTest judges a policy that is not stored yet (dry run)", () => {
  const test = protectionTest({ tagPattern: "v.*", tagPatternMatches: false });
  expect(["v1", "latest", "v2", "dev"].filter(test)).toEqual(["latest", "dev"]);
});

test("a shared matcher cache compiles each pattern once across reloads", async () => {
  const { MatcherCache } = await import("./pattern/matcher-cache.ts");
  const cache = new MatcherCache();
  const policies = [policy({ tagPattern: "v.*" }), policy({ tagPattern: "v.*", repository: "org/app" }), policy({ tagPattern: "(a)\\1" })];
  const first = new NamespacePolicies(policies, (p) => cache.get(p));
  const second = new NamespacePolicies(policies, (p) => cache.get(p));
  expect(cache.size).toBe(2);
  expect(second.protectingPolicy("org/app", "v1")).toBe(first.protectingPolicy("org/app", "v1"));
  expect(second.broken).toHaveLength(1);
});
