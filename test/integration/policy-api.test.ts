// The admin API of immutability: Quay's paths and shapes, validation with clear
// 400s, duplicates, idempotent retries, dry runs, repository paths with slashes.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPolicyHarness, makeManifest, putTag, type PolicyHarness } from "./policy-harness.ts";

let h: PolicyHarness;
const ORG = "/organization/myorg/immutabilitypolicy/";
const REPO = "/repository/myorg/team/app/immutabilitypolicy/";

beforeAll(async () => {
  h = await createPolicyHarness({ upstreams: ["docker.io"] });
  const m = await makeManifest(h, "myorg/team/app", "one");
  for (const tag of ["v1", "v2", "latest", "dev-1"]) expect((await putTag(h, "myorg/team/app", tag, m)).status).toBe(201);
});
afterAll(() => h.close());

describe("namespace policies", () => {
  test("create, read, list, update, deactivate, delete", async () => {
    const created = await h.call("POST", ORG, { tagPattern: "^v.*", tagPatternMatches: true });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tagPattern: "^v.*", tagPatternMatches: true, active: true, scope: "namespace", namespace: "myorg", repository: null });
    const uuid = created.body.uuid as string;
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);

    expect((await h.call("GET", `${ORG}${uuid}`)).body).toEqual(created.body);
    expect((await h.call("GET", ORG)).body.policies).toEqual([created.body]);
    // Without the trailing slash too.
    expect((await h.call("GET", "/organization/myorg/immutabilitypolicy")).body.policies).toHaveLength(1);

    const off = await h.call("PUT", `${ORG}${uuid}`, { active: false });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    const changed = await h.call("PUT", `${ORG}${uuid}`, { tagPattern: "^release-.*", active: true });
    expect(changed.body).toMatchObject({ tagPattern: "^release-.*", active: true });

    expect((await h.admin(`${ORG}${uuid}`, { method: "DELETE" })).status).toBe(204);
    expect((await h.call("GET", `${ORG}${uuid}`)).status).toBe(404);
    expect((await h.call("GET", ORG)).body.policies).toEqual([]);

    const logged = h.logs.filter((l) => l.policy === uuid).map((l) => l.msg);
    expect(logged).toEqual(["immutability policy created", "immutability policy deactivated", "immutability policy updated", "immutability policy deleted"]);
  });

  test("tagPatternMatches and active default to true; an inactive policy can be created", async () => {
    const a = await h.call("POST", ORG, { tagPattern: "stable" });
    expect(a.body).toMatchObject({ tagPatternMatches: true, active: true });
    const b = await h.call("POST", ORG, { tagPattern: "nightly", active: false });
    expect(b.body.active).toBe(false);
    for (const p of [a, b]) await h.admin(`${ORG}${p.body.uuid}`, { method: "DELETE" });
  });

  test("a duplicate is refused with 409 naming the existing policy; the same rule with the other sense is not a duplicate", async () => {
    const first = await h.call("POST", ORG, { tagPattern: "^x$" });
    const again = await h.call("POST", ORG, { tagPattern: "^x$", tagPatternMatches: true });
    expect(again.status).toBe(409);
    expect(again.body.uuid).toBe(first.body.uuid);
    expect(again.body.error).toContain(first.body.uuid);
    const other = await h.call("POST", ORG, { tagPattern: "^x$", tagPatternMatches: false });
    expect(other.status).toBe(201);
    // Updating one into the other's rule is a duplicate too.
    expect((await h.call("PUT", `${ORG}${other.body.uuid}`, { tagPatternMatches: true })).status).toBe(409);
    for (const p of [first, other]) await h.admin(`${ORG}${p.body.uuid}`, { method: "DELETE" });
  });

  test("a create with a client-chosen uuid can be retried: the retry answers 200 with the stored policy", async () => {
    const uuid = "3f0c2a5e-8d2b-4c1e-9f4a-0b6d7e8f9a10";
    const first = await h.call("POST", ORG, { uuid, tagPattern: "^rc-.*" });
    expect(first.status).toBe(201);
    const retry = await h.call("POST", ORG, { uuid, tagPattern: "^rc-.*" });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    const taken = await h.call("POST", ORG, { uuid, tagPattern: "^other$" });
    expect(taken.status).toBe(409);
    await h.admin(`${ORG}${uuid}`, { method: "DELETE" });
  });

  test("a policy is addressed only under its own scope", async () => {
    const p = await h.call("POST", ORG, { tagPattern: "^scoped$" });
    expect((await h.call("GET", `/organization/docker.io/immutabilitypolicy/${p.body.uuid}`)).status).toBe(404);
    expect((await h.call("DELETE", `${REPO}${p.body.uuid}`)).status).toBe(404);
    await h.admin(`${ORG}${p.body.uuid}`, { method: "DELETE" });
  });
});

describe("repository policies and paths", () => {
  test("a repository name with slashes, raw or %2F-encoded, names the same repository", async () => {
    const created = await h.call("POST", REPO, { tagPattern: "^v1$" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ scope: "repository", namespace: "myorg", repository: "myorg/team/app" });
    const encoded = await h.call("GET", "/repository/myorg%2Fteam%2Fapp/immutabilitypolicy/");
    expect(encoded.body.policies).toEqual([created.body]);
    expect((await h.call("GET", ORG)).body.policies).toEqual([]); // namespace listing: namespace policies only
    const all = await h.call("GET", "/immutabilitypolicy/");
    expect(all.body.policies.map((p: { uuid: string }) => p.uuid)).toContain(created.body.uuid);
    await h.admin(`${REPO}${created.body.uuid}`, { method: "DELETE" });
  });

  test("an upstream namespace is known before anything is cached; other unknown namespaces are 400, unknown repositories 404", async () => {
    const upstream = await h.call("POST", "/repository/docker.io/library/nginx/immutabilitypolicy/", { tagPattern: "^1\\.27.*" });
    expect(upstream.status).toBe(201);
    const unknownNs = await h.call("POST", "/organization/nosuchorg/immutabilitypolicy/", { tagPattern: "v" });
    expect(unknownNs.status).toBe(400);
    expect(unknownNs.body.error).toMatch(/namespace nosuchorg is unknown/);
    const unknownRepo = await h.call("POST", "/repository/myorg/nope/immutabilitypolicy/", { tagPattern: "v" });
    expect(unknownRepo.status).toBe(404);
    expect((await h.call("POST", "/repository/My_Org/x/immutabilitypolicy/", { tagPattern: "v" })).status).toBe(400);
    await h.admin(`/repository/docker.io/library/nginx/immutabilitypolicy/${upstream.body.uuid}`, { method: "DELETE" });
  });
});

describe("validation: clear 400s", () => {
  const cases: [string, unknown, RegExp][] = [
    ["not JSON", "{", /not valid JSON/],
    ["empty body", "", /needs a JSON body/],
    ["an array", [], /JSON object/],
    ["missing tagPattern", { tagPatternMatches: true }, /missing field "tagPattern"/],
    ["tagPattern of the wrong type", { tagPattern: 5 }, /tagPattern: expected a string/],
    ["tagPatternMatches not a boolean", { tagPattern: "v", tagPatternMatches: "yes" }, /tagPatternMatches: expected true or false/],
    ["unknown field", { tagPattern: "v", tagpattern: "w" }, /unknown field "tagpattern"/],
    ["bad uuid", { tagPattern: "v", uuid: "123" }, /uuid: expected/],
    ["invalid regular expression", { tagPattern: "v(" }, /not a valid regular expression/],
    ["backreference", { tagPattern: "(a)\\1" }, /backreferences are not supported/],
    ["lookahead", { tagPattern: "v(?!1)" }, /lookahead/],
    ["too long", { tagPattern: "a".repeat(300) }, /at most 256/],
    ["too complex", { tagPattern: ".*a.{12}" }, /too complex/],
  ];
  for (const [what, body, message] of cases) {
    test(what, async () => {
      const r = await h.call("POST", ORG, body);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(message);
    });
  }

  test("PUT needs at least one field; query flags must be booleans; wrong methods are 405", async () => {
    const p = await h.call("POST", ORG, { tagPattern: "^q$" });
    expect((await h.call("PUT", `${ORG}${p.body.uuid}`, {})).body.error).toMatch(/at least one/);
    expect((await h.call("POST", `${ORG}?dryRun=maybe`, { tagPattern: "v" })).status).toBe(400);
    expect((await h.call("PATCH", `${ORG}${p.body.uuid}`, {})).status).toBe(405);
    expect((await h.call("POST", "/organization/my%ZZorg/immutabilitypolicy/", {})).status).toBe(400);
    await h.admin(`${ORG}${p.body.uuid}`, { method: "DELETE" });
  });
});

describe("dry run", () => {
  test("counts and names the tags a policy would protect, and stores nothing", async () => {
    const r = await h.call("POST", `${ORG}?dryRun=true`, { tagPattern: "v.*" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ dryRun: true, wouldProtect: 2, newlyProtected: 2, truncated: false });
    expect(r.body.tags).toEqual([
      { repository: "myorg/team/app", tag: "v1" },
      { repository: "myorg/team/app", tag: "v2" },
    ]);
    const inverse = await h.call("POST", `${ORG}?dryRun=true`, { tagPattern: "v.*", tagPatternMatches: false });
    expect(inverse.body.wouldProtect).toBe(2); // latest, dev-1
    expect((await h.call("GET", ORG)).body.policies).toEqual([]);
  });

  test("newlyProtected leaves out tags another policy protects already; a colliding rule is reported", async () => {
    const p = await h.call("POST", ORG, { tagPattern: "v1" });
    const r = await h.call("POST", `${ORG}?dryRun=true`, { tagPattern: "v.*" });
    expect(r.body).toMatchObject({ wouldProtect: 2, newlyProtected: 1 });
    const same = await h.call("POST", `${ORG}?dryRun=true`, { tagPattern: "v1" });
    expect(same.body.duplicateOf).toBe(p.body.uuid);
    const change = await h.call("PUT", `${ORG}${p.body.uuid}?dryRun=true`, { tagPattern: "latest|dev-1" });
    expect(change.body).toMatchObject({ wouldProtect: 2, newlyProtected: 2 });
    expect((await h.call("GET", `${ORG}${p.body.uuid}`)).body.tagPattern).toBe("v1");
    await h.admin(`${ORG}${p.body.uuid}`, { method: "DELETE" });
  });
});

describe("tags", () => {
  test("listing shows immutability and why; PUT marks a tag by hand", async () => {
    const p = await h.call("POST", REPO, { tagPattern: "v2" });
    const marked = await h.call("PUT", "/repository/myorg/team/app/tag/latest", { immutable: true });
    expect(marked.status).toBe(200);
    expect(marked.body).toMatchObject({ name: "latest", immutable: true, immutable_by: "manual", manual_immutable: true });
    const list = await h.call("GET", "/repository/myorg/team/app/tag/?onlyImmutable=true");
    expect(list.body.tags.map((t: { name: string; immutable_by: string }) => [t.name, t.immutable_by])).toEqual([
      ["latest", "manual"],
      ["v2", p.body.uuid],
    ]);
    const page = await h.call("GET", "/repository/myorg/team/app/tag/?limit=3&page=2");
    expect(page.body).toMatchObject({ page: 2, has_additional: false });
    expect(page.body.tags.map((t: { name: string }) => t.name)).toEqual(["v2"]);

    // Lifting a manual mark is refused while a policy protects the tag anyway.
    const refused = await h.call("PUT", "/repository/myorg/team/app/tag/v2", { immutable: false });
    expect(refused.status).toBe(409);
    expect(refused.body.policy).toBe(p.body.uuid);
    expect((await h.call("PUT", "/repository/myorg/team/app/tag/latest", { immutable: false })).body.immutable).toBe(false);
    expect((await h.call("PUT", "/repository/myorg/team/app/tag/nope", { immutable: true })).status).toBe(404);
    expect((await h.call("PUT", "/repository/myorg/team/app/tag/latest", { immutable: "yes" })).status).toBe(400);
    expect((await h.call("PUT", "/repository/myorg/team/app/tag/latest", { immutable: true, expiration: 1 })).status).toBe(400);
    expect(h.logs.some((l) => l.msg === "tag marked immutable by hand" && l.tag === "latest")).toBe(true);
    await h.admin(`${REPO}${p.body.uuid}`, { method: "DELETE" });
  });
});

test("paths under /repository/ that are not immutability endpoints fall through to the admin 404", async () => {
  const r = await h.call("GET", "/repository/myorg/team/app/builds/");
  expect(r.status).toBe(404);
  expect(r.body.error).toMatch(/no such endpoint/);
});
