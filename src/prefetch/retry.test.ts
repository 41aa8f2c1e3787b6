// Failures and restarts: jobs back off (per job and per upstream), record the
// failure class, give up after max_attempts, and survive a restart.
import { afterEach, describe, expect, test } from "vitest";
import { findBlob } from "../db/queries/blobs.ts";
import { countJobs, listJobs } from "../db/queries/prefetch-jobs.ts";
import { startFakeRegistry, type FakeRegistry } from "../../test/helpers/fake-registry.ts";
import { prefetchFixture, until, type Fixture } from "../../test/helpers/prefetch-fixture.ts";

let registry: FakeRegistry;
let f: Fixture;
afterEach(async () => {
  await f?.close();
  await registry?.close();
});

describe("a failing upstream", () => {
  test("jobs back off, the upstream is paused, the class is logged and counted; no tight loop", async () => {
    registry = await startFakeRegistry();
    const image = registry.image("team/app", "v1", 6);
    f = await prefetchFixture(registry.url, `[prefetch]\npull_delay = "0s"\nretry_backoff = "200ms"\nmax_retry_backoff = "2s"`);
    registry.fault = (method, path) => (path.includes("/blobs/") ? 503 : undefined);
    await f.pullThrough.manifests.get(f.target("team/app"), "v1");
    // The first pause is at least 150 ms (200 ms, -25% jitter): look while it holds.
    await until("a pause", () => f.logs.some((l) => l.msg === "prefetch paused for upstream"));
    expect(f.metrics.render()).toMatch(/regcache_prefetch_upstream_paused\{class="http-5xx",upstream="hub"\} 1/);
    expect(f.prefetcher.api.queue().paused_upstreams).toMatchObject([{ upstream: "hub", failure: "http-5xx" }]);
    await new Promise((r) => setTimeout(r, 2_000));
    // 7 jobs against a dead upstream for 2 s: the pause holds all but a probe per period
    // (200 ms, 400, 800 …), so a handful of requests, not hundreds.
    const attempts = registry.count("GET", "/blobs/");
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThan(20);
    const jobs = listJobs(f.database.db, 100);
    expect(jobs.some((j) => j.attempts > 0 && j.lastFailure === "http-5xx")).toBe(true);
    expect(f.logs.some((l) => l.msg === "prefetch job failed; will retry" && l.upstream_failure === "http-5xx")).toBe(true);
    expect(f.logs.some((l) => l.msg === "prefetch paused for upstream" && l.upstream_failure === "http-5xx")).toBe(true);
    const metrics = f.metrics.render();
    expect(metrics).toMatch(/regcache_prefetch_job_failures_total\{class="http-5xx",upstream="hub"\} \d+/);

    registry.fault = () => undefined;
    await until("every blob stored after recovery", () => [image.config, ...image.layers].every((d) => findBlob(f.database.db, d)), 15_000);
    expect(countJobs(f.database.db)).toEqual({ queued: 0, retrying: 0, failed: 0 });
  });

  test("a job that keeps failing gives up after max_attempts; a 404 does not pause the upstream", async () => {
    registry = await startFakeRegistry();
    const image = registry.image("team/app", "v1", 1);
    f = await prefetchFixture(registry.url, `[prefetch]\npull_delay = "0s"\nretry_backoff = "50ms"\nmax_retry_backoff = "100ms"\nmax_attempts = 3`);
    registry.fault = (method, path) => (path.endsWith(image.layers[0]!) ? 404 : undefined);
    await f.pullThrough.manifests.get(f.target("team/app"), "v1");
    await until("the job failed", () => countJobs(f.database.db).failed === 1);
    expect(registry.count("GET", image.layers[0]!)).toBe(3);
    expect(findBlob(f.database.db, image.config)).toBeDefined();
    expect(f.prefetcher.api.queue().paused_upstreams).toEqual([]);
    expect(f.metrics.render()).toMatch(/regcache_prefetch_jobs_failed_total\{class="http-404",upstream="hub"\} 1/);
  });
});

describe("restart", () => {
  test("queued jobs survive a restart and complete; what was stored is not fetched again", async () => {
    registry = await startFakeRegistry();
    const image = registry.image("team/app", "v1", 4);
    f = await prefetchFixture(registry.url, `[prefetch]\npull_delay = "0s"\nconcurrency = 1\nretry_backoff = "500ms"`);
    registry.fault = (method, path) => (path.endsWith(image.layers[3]!) || path.endsWith(image.layers[2]!) ? 503 : undefined);
    await f.pullThrough.manifests.get(f.target("team/app"), "v1");
    await until("three blobs stored", () => [image.config, image.layers[0]!, image.layers[1]!].every((d) => findBlob(f.database.db, d)));
    await f.reopen();
    registry.fault = () => undefined;
    await until("every blob stored after the restart", () => [image.config, ...image.layers].every((d) => findBlob(f.database.db, d)), 10_000);
    for (const d of [image.config, image.layers[0]!, image.layers[1]!]) expect(registry.count("GET", d)).toBe(1);
  });
});
