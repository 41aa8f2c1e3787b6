// A policy over 100,000 existing tags takes effect in one commit: the immutable
// set is exactly the old one or exactly the new one, also when the database
// fails in the middle of the change, and the retry then succeeds. Pushes that
// race a policy change land before it (and are protected) or are judged by it.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPolicyHarness, makeManifest, putTag, seedTags, type PolicyHarness } from "./policy-harness.ts";

const REPO = "bulk/app";
const COUNT = 100_000;
const ORG = "/organization/bulk/immutabilitypolicy/";
let h: PolicyHarness;
let one: Awaited<ReturnType<typeof makeManifest>>;
let two: Awaited<ReturnType<typeof makeManifest>>;

/** The immutable tags as the API reports them, computed over every tag. */
async function immutableSet(): Promise<string[]> {
  const names: string[] = [];
  for (let page = 1; ; page++) {
    const r = await h.call("GET", `/repository/${REPO}/tag/?onlyImmutable=true&limit=10000&page=${page}`);
    names.push(...r.body.tags.map((t: { name: string }) => t.name));
    if (!r.body.has_additional) return names;
  }
}

const expectedHalf = () => Array.from({ length: COUNT / 2 }, (_, i) => `t${String(i).padStart(5, "0")}`);

function injectFault(table: string, when: "INSERT" | "UPDATE" | "DELETE"): () => void {
  // A real database error from inside the policy's own transaction: the
  // generation bump (a trigger of the policy write) fails after the row was written.
  h.registry.db.run(sql.raw(`CREATE TEMP TRIGGER injected_fault BEFORE ${when} ON ${table} BEGIN SELECT RAISE(ABORT, 'injected fault'); END`));
  return () => h.registry.db.run(sql.raw("DROP TRIGGER temp.injected_fault"));
}

beforeAll(async () => {
  h = await createPolicyHarness();
  one = await makeManifest(h, REPO, "one");
  two = await makeManifest(h, REPO, "two");
  expect((await putTag(h, REPO, "seed", one)).status).toBe(201);
  seedTags(h, REPO, one.digest, COUNT);
});
afterAll(() => h.close());

describe(`${COUNT} tags`, () => {
  test("creating a policy that matches half of them protects exactly that half, at once", async () => {
    expect(await immutableSet()).toEqual([]);
    const started = performance.now();
    const r = await h.call("POST", ORG, { tagPattern: "t[0-4].*" });
    const took = performance.now() - started;
    expect(r.status).toBe(201);
    expect(await immutableSet()).toEqual(expectedHalf());
    expect((await putTag(h, REPO, "t00001", two)).status).toBe(409);
    expect((await putTag(h, REPO, "t99999", two)).status).toBe(201);
    await putTag(h, REPO, "t99999", one);
    // Recorded, not asserted: creation is one row, whatever the number of tags.
    console.log(`policy creation over ${COUNT} tags: ${took.toFixed(1)} ms`);
    await h.call("DELETE", `${ORG}${r.body.uuid}`);
    expect(await immutableSet()).toEqual([]);
  });

  test("a database error in the middle of creation leaves the old set; the retry succeeds", async () => {
    const heal = injectFault("immutability_generation", "UPDATE");
    const failed = await h.call("POST", ORG, { tagPattern: "t[0-4].*" });
    expect(failed.status).toBe(500);
    expect((await h.call("GET", ORG)).body.policies).toEqual([]);
    expect(await immutableSet()).toEqual([]);
    expect((await putTag(h, REPO, "t00002", two)).status).toBe(201);
    await putTag(h, REPO, "t00002", one);
    heal();
    const retry = await h.call("POST", ORG, { tagPattern: "t[0-4].*" });
    expect(retry.status).toBe(201);
    expect(await immutableSet()).toEqual(expectedHalf());
    await h.call("DELETE", `${ORG}${retry.body.uuid}`);
  });

  test("the same for deactivation, activation and deletion: each is all or nothing", async () => {
    const p = (await h.call("POST", ORG, { tagPattern: "t[0-4].*" })).body;
    for (const [change, when, before] of [
      [{ active: false }, "UPDATE", expectedHalf()],
      [{ tagPattern: "t[5-9].*" }, "UPDATE", expectedHalf()],
    ] as const) {
      const heal = injectFault("immutability_policies", when);
      expect((await h.call("PUT", `${ORG}${p.uuid}`, change)).status).toBe(500);
      expect(await immutableSet()).toEqual(before);
      heal();
    }
    const heal = injectFault("immutability_policies", "DELETE");
    expect((await h.admin(`${ORG}${p.uuid}`, { method: "DELETE" })).status).toBe(500);
    expect(await immutableSet()).toEqual(expectedHalf());
    heal();
    expect((await h.call("PUT", `${ORG}${p.uuid}`, { active: false })).status).toBe(200);
    expect(await immutableSet()).toEqual([]);
    expect((await h.call("PUT", `${ORG}${p.uuid}`, { active: true })).status).toBe(200);
    expect(await immutableSet()).toEqual(expectedHalf());
    expect((await h.admin(`${ORG}${p.uuid}`, { method: "DELETE" })).status).toBe(204);
    expect(await immutableSet()).toEqual([]);
  });

  test("the dry run counts the half", async () => {
    const r = await h.call("POST", `${ORG}?dryRun=true`, { tagPattern: "t[0-4].*" });
    expect(r.body).toMatchObject({ wouldProtect: COUNT / 2, newlyProtected: COUNT / 2, truncated: true });
    expect(r.body.tags).toHaveLength(1000);
  });
});

test("pushes racing a policy creation: each lands before (then protected) or is judged after", async () => {
  const tags = Array.from({ length: 40 }, (_, i) => `race${i}`);
  for (const tag of tags) await putTag(h, REPO, tag, one);
  // Overwrites of existing matching tags, in flight while the policy is created.
  const pushes = tags.map((tag) => putTag(h, REPO, tag, two).then(async (r) => ({ tag, status: r.status, body: await r.text() })));
  const created = h.call("POST", ORG, { tagPattern: "race.*" });
  const results = await Promise.all(pushes);
  const policy = (await created).body.uuid as string;
  for (const r of results) {
    const head = await h.request(`/v2/${REPO}/manifests/${r.tag}`, { method: "HEAD" });
    if (r.status === 201) expect(head.headers.get("docker-content-digest")).toBe(two.digest);
    else {
      expect(r.status).toBe(409);
      expect(r.body).toContain(policy);
      expect(head.headers.get("docker-content-digest")).toBe(one.digest);
    }
    // Never an unprotected matching tag under the active policy.
    expect((await putTag(h, REPO, r.tag, r.status === 201 ? one : two)).status).toBe(409);
  }
  await h.call("DELETE", `${ORG}${policy}`);
});
