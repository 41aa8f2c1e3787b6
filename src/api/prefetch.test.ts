import { describe, expect, test } from "vitest";
import { InvalidImageRef, PrefetchNotFound, UnknownUpstream } from "../prefetch/errors.ts";
import type { PrefetchApi } from "../prefetch/service.ts";
import { silentLogger } from "../telemetry/log.ts";
import { Metrics } from "../telemetry/metrics.ts";
import { createAdminApi } from "./app.ts";
import { prefetchRoutes } from "./prefetch.ts";

const run = { id: "r1", created: "2026-01-01T00:00:00.000Z", done: false, images: [] };
const stub: PrefetchApi = {
  images: (f) => [{ repository: f?.repository ?? "hub/a", tag: "v1", digest: "sha256:x", media_type: "m", complete: !f?.incomplete, missing_blobs: 0, missing_manifests: 0, missing_bytes: 0, total_bytes: 1, last_confirmed: null }],
  queue: (limit) => ({ counts: { queued: limit ?? 0, retrying: 0, failed: 0, running: 0 }, paused_upstreams: [], jobs: [] }),
  sweep: () => ({ blobsMissing: 1, childrenMissing: 0, rearmed: 0, incompleteImages: 1, completeImages: 0, missingBytes: 5 }),
  collect: () => {},
  startPull(refs) {
    if (refs[0] === "bad") throw new InvalidImageRef("bad", "expected a reference");
    if (refs[0] === "x/y:1") throw new UnknownUpstream("x");
    return run;
  },
  pull(id) {
    if (id !== "r1") throw new PrefetchNotFound(`no prefetch pull "${id}"`);
    return run;
  },
  schedules: () => [],
  async runSchedule(name) {
    if (name === "nope") throw new PrefetchNotFound(`no prefetch schedule named "nope"`);
    if (name === "down") throw Object.assign(new Error("upstream down"), { failure: "refused" });
    return { pulled: ["hub/a:v1"] };
  },
};

const app = createAdminApi({ registry: {} as never, log: silentLogger, metrics: new Metrics() }, [prefetchRoutes(() => stub)]);
const call = async (path: string, init?: RequestInit) => {
  const r = await app.request(`http://admin.test/api/v1${path}`, init);
  return { status: r.status, body: (await r.json()) as Record<string, unknown>, location: r.headers.get("location") };
};
const post = (body: unknown) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("prefetch admin API", () => {
  test("images, with filters; queue with a limit; sweep", async () => {
    expect((await call("/prefetch/images?repository=hub/b&incomplete=true")).body).toMatchObject({ images: [{ repository: "hub/b", complete: false }] });
    expect((await call("/prefetch/queue?limit=7")).body).toMatchObject({ counts: { queued: 7 } });
    expect((await call("/prefetch/queue?limit=0")).status).toBe(400);
    expect((await call("/prefetch/sweep", { method: "POST" })).body).toMatchObject({ blobsMissing: 1 });
  });
  test("pulls: 202 with a Location; bad bodies and refs are 400 with a reason; unknown ids 404", async () => {
    const started = await call("/prefetch/pulls", post({ refs: ["hub/a:v1"] }));
    expect(started).toMatchObject({ status: 202, location: "/api/v1/prefetch/pulls/r1", body: { id: "r1" } });
    expect(await call("/prefetch/pulls", post({ refs: [] }))).toMatchObject({ status: 400, body: { error: "refs: name at least one image" } });
    expect(await call("/prefetch/pulls", post({ refs: ["hub/a:v1"], platforms: ["amd64"] }))).toMatchObject({ status: 400 });
    expect(await call("/prefetch/pulls", { method: "POST", body: "{" })).toMatchObject({ status: 400, body: { error: "expected a JSON body" } });
    expect((await call("/prefetch/pulls", post({ refs: ["bad"] }))).status).toBe(400);
    expect((await call("/prefetch/pulls", post({ refs: ["x/y:1"] }))).body.error).toMatch(/no \[\[upstream\]\] named "x"/);
    expect((await call("/prefetch/pulls/r1")).status).toBe(200);
    expect((await call("/prefetch/pulls/zz")).status).toBe(404);
  });
  test("running a schedule: its result, its failure as a result, 404 for an unknown name", async () => {
    expect((await call("/prefetch/schedules/image-0/run", { method: "POST" })).body).toEqual({ ok: true, result: { pulled: ["hub/a:v1"] } });
    expect((await call("/prefetch/schedules/down/run", { method: "POST" })).body).toEqual({ ok: false, error: "upstream down", failure: "refused" });
    expect((await call("/prefetch/schedules/image-0/run?wait=false", { method: "POST" })).status).toBe(202);
    expect((await call("/prefetch/schedules/nope/run", { method: "POST" })).status).toBe(404);
  });
});
