// Issue 4, item 4: a [[prefetch.image]] on a schedule pulls its image completely before
// any client asks, and the next run follows an upstream retag. The tag-pattern form keeps
// the highest matching tags; its schedule is fired through the admin API (the explicit
// run-now hook, POST /api/v1/prefetch/schedules/{name}/run).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeImage } from "../../helpers/oci-image.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { api, clientRequests, images, isStored, prefetchToml, seed, upstreamToml, waitFor } from "./setup.ts";

const IMAGES = `
[[prefetch.image]]
ref = "up/team/app:stable"
schedule = "*/2 * * * * *"

[[prefetch.image]]
ref = "up/team/rel"
tags = "^1\\\\.2\\\\."
max_tags = 2
schedule = "0 3 1 1 *"
`;

describe("scheduled images", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let regcache: RegcacheProcess;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
  });

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  test("pulled before any client asks; a retag is picked up by the next run", async () => {
    const first = makeImage({ layers: 2 });
    await seed(upstream, work.path, "team/app", { stable: first });
    await seed(upstream, work.path, "team/rel", { "1.1.0": makeImage({ layers: 1 }), "1.2.9": makeImage({ layers: 1 }), "1.2.10": makeImage({ layers: 1 }), "1.2.1": makeImage({ layers: 1 }) });
    // ttl 1h: only the schedule's forced revalidation can notice the retag.
    regcache = await startRegcache({ extraToml: prefetchToml() + upstreamToml("up", upstream.url, `ttl = "1h"`) + IMAGES });

    const row = async () => (await images(regcache)).find((i) => i.repository === "up/team/app" && i.tag === "stable");
    await waitFor("the scheduled image complete", async () => (await row())?.complete === true, 15_000);
    expect((await row())!.digest).toBe(first.digests.manifest);
    expect([first.digests.config, ...first.digests.layers].every((d) => isStored(regcache, d))).toBe(true);
    expect(clientRequests(regcache, "/v2/up/")).toEqual([]);

    const second = makeImage({ layers: 2 });
    await seed(upstream, work.path, "team/app", { stable: second });
    await waitFor("the retagged image complete", async () => {
      const r = await row();
      return r?.digest === second.digests.manifest && r.complete;
    }, 15_000);
    const schedules = (await api<{ schedules: { name: string; description: string; last_run: { ok: boolean } | null; next_run: string | null }[] }>(regcache, "/prefetch/schedules")).schedules;
    expect(schedules.map((s) => s.name)).toEqual(["image-0", "image-1"]);
    expect(schedules[0]).toMatchObject({ description: "up/team/app:stable", last_run: { ok: true } });
    expect(schedules[1]!.last_run).toBeNull();
    expect(regcache.logs().some((l) => l.msg === "prefetch schedule ran" && l.schedule === "image-0")).toBe(true);
  });

  test("the tag-pattern form, fired now through the admin API, keeps the highest matching tags", async () => {
    const answer = await api<{ ok: boolean; result: { pulled: string[] } }>(regcache, "/prefetch/schedules/image-1/run", { method: "POST" });
    expect(answer).toMatchObject({ ok: true, result: { pulled: ["up/team/rel:1.2.9", "up/team/rel:1.2.10"] } });
    await waitFor("both tags complete", async () => (await images(regcache)).filter((i) => i.repository === "up/team/rel" && i.complete).length === 2, 15_000);
    expect((await images(regcache)).filter((i) => i.repository === "up/team/rel").map((i) => i.tag)).toEqual(["1.2.10", "1.2.9"]);
    const unknown = await fetch(`${regcache.url}/api/v1/prefetch/schedules/nope/run`, { method: "POST", headers: { "content-type": "application/json" } });
    expect(unknown.status).toBe(404);
  });
});
