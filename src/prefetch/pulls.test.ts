// `regcache prefetch`'s server side (pull runs and their progress), the
// scheduled image pulls, and the sweep.
import { afterEach, describe, expect, test } from "vitest";
import { findBlob } from "../db/queries/blobs.ts";
import { countJobs } from "../db/queries/prefetch-jobs.ts";
import { InvalidImageRef, UnknownUpstream } from "./errors.ts";
import { startFakeRegistry, type FakeRegistry } from "../../test/helpers/fake-registry.ts";
import type { PullProgress } from "./pulls.ts";
import { prefetchFixture, until, type Fixture } from "../../test/helpers/prefetch-fixture.ts";

let registry: FakeRegistry;
let f: Fixture;
afterEach(async () => {
  await f?.close();
  await registry?.close();
});

async function finished(id: string): Promise<PullProgress> {
  let p = f.prefetcher.api.pull(id);
  await until("the pull finished", () => (p = f.prefetcher.api.pull(id)).done);
  return p;
}

describe("pull runs", () => {
  test("pull images completely now, with per-blob progress; a missing one fails with its reason", async () => {
    registry = await startFakeRegistry();
    const image = registry.image("team/app", "v1", 3);
    f = await prefetchFixture(registry.url, `[prefetch]\ncomplete_on_pull = false`);
    const run = f.prefetcher.api.startPull(["hub/team/app:v1", "hub/team/none:v1"]);
    expect(run.images.map((i) => i.state)).toEqual(["resolving", "resolving"]);
    const done = await finished(run.id);
    expect(done.images[0]).toMatchObject({ ref: "hub/team/app:v1", state: "complete", digest: image.digest });
    expect(done.images[0]!.blobs).toHaveLength(4);
    expect(done.images[0]!.fetched_bytes).toBe(done.images[0]!.total_bytes);
    expect(done.images[1]).toMatchObject({ state: "failed", failure: "http-404" });
    expect(done.images[1]!.error).toMatch(/upstream "hub" failed: http-404/);
  });

  test("a blob that fails fails the image at once, naming the class; the job stays queued", async () => {
    registry = await startFakeRegistry();
    const image = registry.image("team/app", "v1", 2);
    registry.fault = (method, path) => (path.endsWith(image.layers[1]!) ? 503 : undefined);
    f = await prefetchFixture(registry.url);
    const done = await finished(f.prefetcher.api.startPull(["hub/team/app:v1"]).id);
    expect(done.images[0]).toMatchObject({ state: "failed", failure: "http-5xx" });
    expect(done.images[0]!.error).toContain(image.layers[1]);
    expect(countJobs(f.database.db).retrying).toBe(1);
  });

  test("bad references are refused before anything starts", async () => {
    registry = await startFakeRegistry();
    f = await prefetchFixture(registry.url);
    expect(() => f.prefetcher.api.startPull(["hub/ok:v1", "Hub/Bad"])).toThrow(InvalidImageRef);
    expect(() => f.prefetcher.api.startPull(["elsewhere/team/app:v1"])).toThrow(UnknownUpstream);
  });
});

describe("schedules", () => {
  test("a [[prefetch.image]] run pulls the image; the next run follows a retag", async () => {
    registry = await startFakeRegistry();
    const first = registry.image("team/app", "stable", 2);
    f = await prefetchFixture(registry.url, `[[prefetch.image]]\nref = "hub/team/app:stable"\nschedule = "0 3 * * *"`, `ttl = "1h"`);
    expect(f.prefetcher.api.schedules().map((s) => s.name)).toEqual(["sweep", "image-0"]);
    await f.prefetcher.api.runSchedule("image-0");
    await until("v1 complete", () => [first.config, ...first.layers].every((d) => findBlob(f.database.db, d)));
    const second = registry.image("team/app", "stable", 2);
    await f.prefetcher.api.runSchedule("image-0");
    await until("the retagged image complete", () => [second.config, ...second.layers].every((d) => findBlob(f.database.db, d)));
    expect(f.prefetcher.api.images()).toMatchObject([{ tag: "stable", digest: second.digest, complete: true }]);
    expect(f.prefetcher.api.schedules()[1]!.last_run).toMatchObject({ ok: true });
  });

  test("the tag-pattern form keeps the highest matching tags", async () => {
    registry = await startFakeRegistry();
    for (const tag of ["1.26.9", "1.27.2", "1.27.10", "1.27.9", "latest"]) registry.image("team/app", tag, 1);
    registry.requests.length = 0;
    f = await prefetchFixture(registry.url, `[[prefetch.image]]\nref = "hub/team/app"\ntags = "^1\\\\.27\\\\."\nmax_tags = 2\nschedule = "0 3 * * *"`);
    const result = (await f.prefetcher.api.runSchedule("image-0")) as { pulled: string[] };
    expect(result.pulled).toEqual(["hub/team/app:1.27.9", "hub/team/app:1.27.10"]);
  });
});

describe("sweep", () => {
  test("queues what incomplete images miss", async () => {
    registry = await startFakeRegistry();
    const image = registry.image("team/app", "v1", 2);
    f = await prefetchFixture(registry.url, `[prefetch]\ncomplete_on_pull = false`);
    await f.pullThrough.manifests.get(f.target("team/app"), "v1");
    expect(f.prefetcher.api.images({ incomplete: true })).toHaveLength(1);
    expect(f.prefetcher.api.sweep()).toMatchObject({ blobsMissing: 3, incompleteImages: 1 });
    await until("every blob stored", () => [image.config, ...image.layers].every((d) => findBlob(f.database.db, d)));
    expect(f.prefetcher.api.images({ incomplete: true })).toHaveLength(0);
  });
});
