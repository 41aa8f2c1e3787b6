// The policy engine under Deno (node:sqlite behind the adapter): the migration
// with its triggers, a policy, a refused overwrite naming it, deactivation.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { api, digestOfTag, makeManifest, putTag, type PushedManifest } from "./setup.ts";

describe("immutability policies under Deno", () => {
  let regcache: RegcacheProcess;
  let one: PushedManifest;
  let two: PushedManifest;

  beforeAll(async () => {
    regcache = await startRegcache({ runtime: "deno", startTimeoutMs: 60_000 });
    one = await makeManifest(regcache, "denoorg/app", "one");
    two = await makeManifest(regcache, "denoorg/app", "two");
    expect((await putTag(regcache, "denoorg/app", "v1", one)).status).toBe(201);
  });

  afterAll(async () => {
    await regcache?.dispose();
  });

  test("a policy refuses the overwrite and the delete; deactivated, it allows them", async () => {
    const created = await api(regcache, "POST", "/organization/denoorg/immutabilitypolicy/", { tagPattern: "v.*" });
    expect(created.status).toBe(201);
    const refused = await putTag(regcache, "denoorg/app", "v1", two);
    expect(refused.status).toBe(409);
    expect(refused.text).toContain(`policy ${created.body.uuid}`);
    expect((await fetch(`${regcache.url}/v2/denoorg/app/manifests/v1`, { method: "DELETE" })).status).toBe(409);
    expect(await digestOfTag(regcache, "denoorg/app", "v1")).toBe(one.digest);

    expect((await api(regcache, "PUT", `/organization/denoorg/immutabilitypolicy/${created.body.uuid}`, { active: false })).status).toBe(200);
    expect((await putTag(regcache, "denoorg/app", "v1", two)).status).toBe(201);
    const listed = await api(regcache, "GET", "/repository/denoorg/app/tag/");
    expect(listed.body.tags).toMatchObject([{ name: "v1", immutable: false, manifest_digest: two.digest }]);
  });
});
