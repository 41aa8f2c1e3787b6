import { describe, expect, test } from "vitest";
import { ANONYMOUS, compileRules } from "./rules.ts";
import type { AccessEntry } from "../config/auth.ts";

const entry = (e: Partial<AccessEntry> & { repository: string }): AccessEntry => ({ users: [], groups: [], anonymous: false, actions: [], ...e });
const auth = { groups: { dev: ["bob", "carol"] }, admin_users: ["root"], admin_groups: [] as string[] };
const alice = { user: "alice" };
const bob = { user: "bob" };

describe("[[access]] rules", () => {
  const rules = compileRules(auth, [
    entry({ repository: "myorg/secret", users: ["alice"], actions: [] }), // an empty list denies and stops the search
    entry({ repository: "myorg/*", users: ["alice"], actions: ["pull", "push", "delete"] }),
    entry({ repository: "myorg/*", groups: ["dev"], actions: ["pull"] }),
    entry({ repository: "docker.io/**", anonymous: true, actions: ["pull"] }),
  ]);

  test("the first entry whose glob matches and whose subjects include the caller decides", () => {
    expect(rules.allowed(alice, "myorg/app")).toEqual(["pull", "push", "delete"]);
    expect(rules.allowed(bob, "myorg/app")).toEqual(["pull"]); // alice's entry matches the name but not bob
    expect(rules.allowed(alice, "myorg/secret")).toEqual([]); // the first match denies, later ones do not count
    expect(rules.allowed(bob, "myorg/secret")).toEqual(["pull"]);
  });

  test("* stays within one path component; ** crosses them", () => {
    expect(rules.allowed(alice, "myorg/team/app")).toEqual([]);
    expect(rules.allowed(ANONYMOUS, "docker.io/library/nginx")).toEqual(["pull"]);
    expect(rules.allowed(ANONYMOUS, "docker.io")).toEqual([]);
  });

  test("anonymous = true includes everyone, logged in or not; no match is no", () => {
    expect(rules.allowed(alice, "docker.io/library/nginx")).toEqual(["pull"]);
    expect(rules.allowed(ANONYMOUS, "myorg/app")).toEqual([]);
    expect(rules.allowed(alice, "quay.io/x")).toEqual([]);
  });

  test("names are matched whole and literally: no prefix, suffix or regex tricks", () => {
    expect(rules.allowed(alice, "myorg/app/../../quay.io/x")).toEqual([]);
    expect(rules.allowed(alice, "xmyorg/app")).toEqual([]);
    expect(rules.allowed(ANONYMOUS, "docker.iox/library/nginx")).toEqual([]);
    const dots = compileRules(auth, [entry({ repository: "a.b/*", anonymous: true, actions: ["pull"] })]);
    expect(dots.allowed(ANONYMOUS, "aXb/c")).toEqual([]);
  });

  test("a user named like a group or 'anonymous' gets nothing from it", () => {
    expect(rules.allowed({ user: "dev" }, "myorg/app")).toEqual([]);
    expect(rules.allowed({ user: "anonymous" }, "myorg/app")).toEqual([]);
  });

  test("admins: admin_users and members of admin_groups, never anonymous", () => {
    expect(rules.isAdmin({ user: "root" })).toBe(true);
    expect(rules.isAdmin(alice)).toBe(false);
    expect(rules.isAdmin(ANONYMOUS)).toBe(false);
    expect(compileRules({ ...auth, admin_groups: ["dev"] }, []).isAdmin(bob)).toBe(true);
  });
});
