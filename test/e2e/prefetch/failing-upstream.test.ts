// Issue 4, item 5: an upstream that fails blob downloads. The jobs back off and retry
// (per job, and the whole upstream pauses), the log and /metrics name the failure class,
// and the request rhythm at the upstream shows no tight loop. Once it heals, the image
// completes without anyone asking again.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeImage, type GeneratedImage } from "../../helpers/oci-image.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { startFailingProxy, type FailingProxy } from "./failing-proxy.ts";
import { api, fetchOk, images, metric, prefetchToml, seed, sleep, upstreamToml, waitFor } from "./setup.ts";

interface Queue {
  counts: { queued: number; retrying: number; failed: number };
  paused_upstreams: { upstream: string; failure: string }[];
  jobs: { attempts: number; last_failure: string | null; last_error: string | null }[];
}

describe("a failing upstream", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let proxy: FailingProxy;
  let regcache: RegcacheProcess;
  let image: GeneratedImage;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    image = makeImage({ layers: 4 });
    await seed(upstream, work.path, "team/app", { v1: image });
    proxy = await startFailingProxy(upstream.url);
    regcache = await startRegcache({ extraToml: prefetchToml({ pull_delay: "0s", retry_backoff: "1s", max_retry_backoff: "4s" }) + upstreamToml("up", proxy.url) });
  });

  afterAll(async () => {
    await regcache?.dispose();
    await proxy?.stop();
    await upstream?.stop();
    work?.remove();
  });

  test("jobs back off and retry; the log and /metrics show http-5xx; no tight loop", async () => {
    proxy.setFailing(true);
    await fetchOk(regcache, "/v2/up/team/app/manifests/v1");
    await sleep(8_000);

    // 5 jobs for 8 s against an upstream that fails at once. A loop would send thousands of
    // requests. What arrives: the first round (up to `concurrency` = 4 jobs started together),
    // then one probe per pause of 1 s, 2 s, 4 s (±25%).
    const times = proxy.failedBlobGets();
    expect(times.length).toBeGreaterThanOrEqual(6);
    expect(times.length).toBeLessThanOrEqual(9);
    const gaps = times.slice(1).map((t, i) => t - times[i]!).filter((gap) => gap > 100);
    expect(gaps.length).toBeGreaterThanOrEqual(2);
    expect(gaps.every((gap) => gap >= 700)).toBe(true);
    expect(gaps.at(-1)!).toBeGreaterThan(gaps[0]!);
    const queue = await api<Queue>(regcache, "/prefetch/queue");
    expect(queue.counts.queued + queue.counts.retrying).toBe(5);
    expect(queue.jobs.some((j) => j.attempts >= 2 && j.last_failure === "http-5xx")).toBe(true);

    const logs = regcache.logs();
    const failed = logs.filter((l) => l.msg === "prefetch job failed; will retry");
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((l) => l.upstream_failure === "http-5xx" && typeof l.retry_in_ms === "number")).toBe(true);
    expect(logs.some((l) => l.msg === "prefetch paused for upstream" && l.upstream_failure === "http-5xx")).toBe(true);
    expect(await metric(regcache, /^regcache_prefetch_job_failures_total\{class="http-5xx",upstream="up"\}/)).toBe(failed.length);
    expect(await metric(regcache, /^regcache_prefetch_jobs\{state="retrying"\}/)).toBeGreaterThan(0);

    proxy.setFailing(false);
    await waitFor("the image complete after the upstream healed", async () => (await images(regcache))[0]?.complete === true, 20_000);
    expect((await api<Queue>(regcache, "/prefetch/queue")).counts).toMatchObject({ queued: 0, retrying: 0, failed: 0 });
  });
});
