// Issue 5, "What must be shown" 2: pushes of matching tags race a policy
// creation on the binary. Each push either landed before the policy (and the
// tag is then protected) or came after and was judged by it; never is a
// matching tag left unprotected under the active policy.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { api, digestOfTag, makeManifest, putTag, type PushedManifest } from "./setup.ts";

const REPO = "racers/app";
const ORG = "/organization/racers/immutabilitypolicy/";
const TAGS = 240;
const CONCURRENCY = 16;

describe("pushes racing a policy creation (binary)", () => {
  let regcache: RegcacheProcess;
  let one: PushedManifest;
  let two: PushedManifest;

  beforeAll(async () => {
    regcache = await startRegcache();
    one = await makeManifest(regcache, REPO, "one");
    two = await makeManifest(regcache, REPO, "two");
  });

  afterAll(async () => {
    await regcache?.dispose();
  });

  for (const kind of ["overwrites of existing tags", "new tags"] as const) {
    test(kind, async () => {
      const prefix = kind === "new tags" ? "new" : "old";
      const tags = Array.from({ length: TAGS }, (_, i) => `rel-${prefix}-${i}`);
      if (kind !== "new tags") for (const tag of tags) expect((await putTag(regcache, REPO, tag, one)).status).toBe(201);

      // A steady stream of pushes, 16 at a time; the policy is created while it flows.
      const results = new Map<string, number>();
      let next = 0;
      let policy: Promise<{ status: number; body: any }> | undefined;
      const worker = async () => {
        while (next < tags.length) {
          const tag = tags[next++]!;
          if (next === TAGS / 3) policy = api(regcache, "POST", ORG, { tagPattern: `rel-${prefix}-.*` });
          results.set(tag, (await putTag(regcache, REPO, tag, two)).status);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      const created = await policy!;
      expect(created.status).toBe(201);

      let before = 0;
      let refused = 0;
      for (const tag of tags) {
        const status = results.get(tag);
        const digest = await digestOfTag(regcache, REPO, tag);
        if (status === 201) {
          before++;
          expect(digest).toBe(two.digest);
        } else {
          // Only an overwrite can be refused: a new tag overwrites nothing.
          expect(kind).toBe("overwrites of existing tags");
          expect(status).toBe(409);
          refused++;
          expect(digest).toBe(one.digest);
        }
        // Whenever it landed, the tag is protected now.
        const other = digest === one.digest ? two : one;
        expect((await putTag(regcache, REPO, tag, other)).status, tag).toBe(409);
      }
      console.log(`${kind}: ${before} landed, ${refused} refused by policy ${created.body.uuid}`);
      if (kind === "overwrites of existing tags") {
        expect(before).toBeGreaterThan(0);
        expect(refused).toBeGreaterThan(0);
        const refusals = regcache.logs().filter((l) => l.msg === "write refused: immutable tag" && l.policy === created.body.uuid && String(l.tag).startsWith("rel-old-"));
        expect(refusals.length).toBeGreaterThanOrEqual(refused);
      }
      expect((await api(regcache, "DELETE", `${ORG}${created.body.uuid}`)).status).toBe(204);
    });
  }
});
