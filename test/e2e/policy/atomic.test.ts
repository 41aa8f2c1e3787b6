// Issue 5, "What must be shown" 1: with 100,000 tags in a namespace, a policy
// that matches half of them takes effect atomically. The server is killed with
// SIGKILL at random moments of the creation (24 times); after each restart the
// immutable set is exactly the old one or exactly the new one, and a retry of
// the same request succeeds. Then the same with a database error injected in
// the middle of the creation.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { api, digestOfTag, immutableSet, makeManifest, putTag, type PushedManifest, seedTags, sleep, tagName, withDatabase } from "./setup.ts";

const REPO = "bulk/releases";
const COUNT = 100_000;
const ORG = "/organization/bulk/immutabilitypolicy/";
const RULE = { tagPattern: "t[0-4].*" };
const KILLS = 24;
const HALF = Array.from({ length: COUNT / 2 }, (_, i) => tagName(i));

describe(`${COUNT} tags: SIGKILL during policy creation (binary)`, () => {
  let regcache: RegcacheProcess;
  let one: PushedManifest;
  let two: PushedManifest;

  beforeAll(async () => {
    regcache = await startRegcache();
    one = await makeManifest(regcache, REPO, "one");
    two = await makeManifest(regcache, REPO, "two");
    expect((await putTag(regcache, REPO, "seed", one)).status).toBe(201);
    await regcache.stop();
    seedTags(regcache, REPO, one.digest, COUNT);
    await regcache.restart();
    expect(await immutableSet(regcache, REPO)).toEqual([]);
  });

  afterAll(async () => {
    await regcache?.dispose();
  });

  /** What the killed server left on disk: is the policy there? (Read before any restart can tidy up.) */
  const storedOnDisk = (uuid: string) =>
    withDatabase(regcache, (db) => {
      expect(db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
      return (db.query("SELECT count(*) AS n FROM immutability_policies WHERE uuid = ?").get(uuid) as { n: number }).n;
    }, true);

  async function expectState(state: "old" | "new"): Promise<void> {
    expect(await immutableSet(regcache, REPO)).toEqual(state === "new" ? HALF : []);
    // And the guard agrees with the listing, on both sides of the pattern.
    const protectedTag = tagName(1234);
    const overwrite = await putTag(regcache, REPO, protectedTag, two);
    expect(overwrite.status).toBe(state === "new" ? 409 : 201);
    if (state === "old") expect((await putTag(regcache, REPO, protectedTag, one)).status).toBe(201);
    expect(await digestOfTag(regcache, REPO, protectedTag)).toBe(one.digest);
  }

  test(`${KILLS} kills at random moments: old or new, never between; the retry succeeds`, async () => {
    // The window to aim at: how long one creation takes end to end.
    const probe = await api(regcache, "POST", ORG, RULE);
    expect(probe.status).toBe(201);
    await api(regcache, "DELETE", `${ORG}${probe.body.uuid}`);
    const started = performance.now();
    const timed = await api(regcache, "POST", ORG, RULE);
    const windowMs = Math.max(1, performance.now() - started);
    await api(regcache, "DELETE", `${ORG}${timed.body.uuid}`);

    const outcomes = { old: 0, new: 0 };
    for (let i = 0; i < KILLS; i++) {
      const uuid = randomUUID();
      const body = { ...RULE, uuid };
      const answer = fetch(`${regcache.url}/api/v1${ORG}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then(
        (r) => r.status,
        () => "connection lost",
      );
      // Kill before the request can be served, after its answer, or somewhere in between.
      const moment = i % 4 === 0 ? "at once" : i % 4 === 1 ? "after the answer" : `${(Math.random() * windowMs * 1.5).toFixed(2)} ms`;
      if (moment === "after the answer") await answer;
      else if (moment !== "at once") await sleep(Number.parseFloat(moment));
      expect((await regcache.kill9()).signal).toBe("SIGKILL");
      const status = await answer;

      const stored = storedOnDisk(uuid);
      expect(stored === 0 || stored === 1).toBe(true);
      // An answered 201 means committed; no answer may mean either.
      if (status === 201) expect(stored).toBe(1);
      const state = stored ? "new" : "old";
      outcomes[state]++;

      await regcache.restart();
      await expectState(state);

      // The retry: the same request again. It creates the policy, or finds the one
      // its first attempt stored; either way the new state holds exactly.
      const retry = await api(regcache, "POST", ORG, body);
      expect(retry.status, `kill ${i} (${moment}, first answer ${status})`).toBe(stored ? 200 : 201);
      expect(retry.body.uuid).toBe(uuid);
      await expectState("new");

      // Back to the old state for the next round (which checks it after its kill).
      expect((await api(regcache, "DELETE", `${ORG}${uuid}`)).status).toBe(204);
    }
    console.log(`policy creation window ${windowMs.toFixed(1)} ms; after ${KILLS} kills: ${outcomes.old} old, ${outcomes.new} new`);
    expect(outcomes.old).toBeGreaterThan(0);
    expect(outcomes.new).toBeGreaterThan(0);
  }, 600_000);

  test("a database error in the middle of the creation: the old set stays, the retry succeeds", async () => {
    // A trigger that fails the policy's own transaction after its row was written
    // (the generation bump runs inside the same statement).
    withDatabase(regcache, (db) => db.exec("CREATE TRIGGER injected_fault BEFORE UPDATE ON immutability_generation BEGIN SELECT RAISE(ABORT, 'injected fault'); END"));
    const uuid = randomUUID();
    const failed = await api(regcache, "POST", ORG, { ...RULE, uuid });
    expect(failed.status).toBe(500);
    expect(withDatabase(regcache, (db) => db.query("SELECT count(*) AS n FROM immutability_policies").get(), true)).toEqual({ n: 0 });
    await expectState("old");
    expect(regcache.logs().some((l) => l.msg === "admin request failed" && String(l.error).includes("injected fault"))).toBe(true);

    withDatabase(regcache, (db) => db.exec("DROP TRIGGER injected_fault"));
    const retry = await api(regcache, "POST", ORG, { ...RULE, uuid });
    expect(retry.status).toBe(201);
    await expectState("new");
  });
});
