// The prefetcher in process against a fake upstream: what a stored manifest
// queues, that workers share the pull path's downloads, and index platforms.
import { afterEach, describe, expect, test } from "vitest";
import { findBlob } from "../db/queries/blobs.ts";
import { countJobs } from "../db/queries/prefetch-jobs.ts";
import { startFakeRegistry, type FakeRegistry } from "../../test/helpers/fake-registry.ts";
import { prefetchFixture, until, type Fixture } from "../../test/helpers/prefetch-fixture.ts";

let registry: FakeRegistry;
let f: Fixture;
afterEach(async () => {
  await f?.close();
  await registry?.close();
});

const stored = (digests: string[]) => digests.every((d) => findBlob(f.database.db, d) !== undefined);

describe("complete on pull", () => {
  test("a stored manifest queues its config and layers; each is downloaded once", async () => {
    registry = await startFakeRegistry();
    const image = registry.image("team/app", "v1", 3);
    f = await prefetchFixture(registry.url, `[prefetch]\npull_delay = "0s"`);
    await f.pullThrough.manifests.get(f.target("team/app"), "v1");
    await until("every blob stored", () => stored([image.config, ...image.layers]));
    await until("the queue empty", () => countJobs(f.database.db).queued === 0);
    for (const d of [image.config, ...image.layers]) expect(registry.count("GET", d)).toBe(1);
    expect(f.prefetcher.api.images()).toMatchObject([{ repository: "hub/team/app", tag: "v1", complete: true, missing_bytes: 0 }]);
    expect(f.metrics.render()).toMatch(/regcache_prefetch_jobs_done_total\{kind="blob",upstream="hub"\} 4/);
  });

  test("a client's download in flight is joined, not repeated", async () => {
    registry = await startFakeRegistry();
    const image = registry.image("team/app", "v1", 1, 200_000);
    registry.blobDelayMs = 300;
    f = await prefetchFixture(registry.url, `[prefetch]\npull_delay = "0s"`);
    const target = f.target("team/app");
    await f.pullThrough.manifests.get(target, "v1");
    // The client asks for the layer while the worker is (or is about to be) downloading it.
    const client = await f.pullThrough.repository(target).getBlob(image.layers[0]!, { head: false, range: false });
    if (client.kind === "stream") await new Response(client.body).arrayBuffer();
    await until("every blob stored", () => stored([image.config, ...image.layers]));
    expect(registry.count("GET", image.layers[0]!)).toBe(1);
  });

  test("pull_delay lets the client go first; complete_on_pull = false queues nothing", async () => {
    registry = await startFakeRegistry();
    const image = registry.image("team/app", "v1", 1);
    f = await prefetchFixture(registry.url, `[prefetch]\npull_delay = "5s"`);
    await f.pullThrough.manifests.get(f.target("team/app"), "v1");
    await new Promise((r) => setTimeout(r, 300));
    expect(registry.count("GET", "/blobs/")).toBe(0);
    expect(countJobs(f.database.db).queued).toBe(2);
    await f.close();
    f = await prefetchFixture(registry.url, `[prefetch]\ncomplete_on_pull = false`);
    await f.pullThrough.manifests.get(f.target("team/app"), "v1");
    expect(countJobs(f.database.db).queued).toBe(0);
    expect(f.prefetcher.api.images()).toMatchObject([{ complete: false, missing_blobs: 2 }]);
    expect(image.layers).toHaveLength(1);
  });
});

describe("indexes", () => {
  const twoPlatforms = () => {
    const amd = registry.image("team/multi", "amd", 2, 5000, "linux/amd64");
    const arm = registry.image("team/multi", "arm", 2, 5000, "linux/arm64");
    registry.index("team/multi", "v1", [{ image: amd, platform: "linux/amd64" }, { image: arm, platform: "linux/arm64" }]);
    return { amd, arm };
  };

  test("default platforms: every child and its blobs", async () => {
    registry = await startFakeRegistry();
    const { amd, arm } = twoPlatforms();
    f = await prefetchFixture(registry.url, `[prefetch]\npull_delay = "0s"`);
    await f.pullThrough.manifests.get(f.target("team/multi"), "v1");
    await until("both platforms stored", () => stored([amd.config, ...amd.layers, arm.config, ...arm.layers]));
    await until("the image complete", () => f.prefetcher.api.images()[0]?.complete === true);
  });

  test("the upstream's platforms: only those children", async () => {
    registry = await startFakeRegistry();
    const { amd, arm } = twoPlatforms();
    f = await prefetchFixture(registry.url, `[prefetch]\npull_delay = "0s"`, `platforms = ["linux/arm64"]`);
    await f.pullThrough.manifests.get(f.target("team/multi"), "v1");
    await until("arm64 stored", () => stored([arm.config, ...arm.layers]));
    await until("the image complete", () => f.prefetcher.api.images()[0]?.complete === true);
    expect(registry.count("GET", amd.digest)).toBe(0);
    for (const d of [amd.config, ...amd.layers]) expect(registry.count("GET", d)).toBe(0);
  });
});

describe("referrers", () => {
  test("with referrers = true, a cosign signature of the image is cached with its blobs", async () => {
    registry = await startFakeRegistry();
    const image = registry.image("team/app", "v1", 1);
    const sig = registry.signature("team/app", image);
    f = await prefetchFixture(registry.url, `[prefetch]\npull_delay = "0s"`, `referrers = true`);
    await f.pullThrough.manifests.get(f.target("team/app"), "v1");
    await until("the signature's payload stored", () => stored([...image.layers, ...sig.layers]));
    const referrers = await f.pullThrough.manifests.get(f.target("team/app"), sig.digest);
    expect(referrers.cache).toBe("HIT");
    // The referrers API was asked (the fake has none: 404), then the cosign tags by HEAD.
    expect(registry.count("GET", `/referrers/${image.digest}`)).toBe(1);
    expect(registry.count("HEAD", `.sig`)).toBe(1);
  });

  test("without it, nothing but the image", async () => {
    registry = await startFakeRegistry();
    const image = registry.image("team/app", "v1", 1);
    registry.signature("team/app", image);
    f = await prefetchFixture(registry.url, `[prefetch]\npull_delay = "0s"`);
    await f.pullThrough.manifests.get(f.target("team/app"), "v1");
    await until("the image stored", () => stored(image.layers));
    await until("the queue empty", () => countJobs(f.database.db).queued === 0);
    expect(registry.count("HEAD", `.sig`)).toBe(0);
  });
});
