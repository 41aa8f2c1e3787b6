// Issue 16's memory figure, in the bench: each cache fresh on empty storage, at-rest RSS
// (2 s after it served one /v2/), then 20 clients at once GET the 512 MiB blob cold, then
// 20 at once cached; VmHWM over those two phases. Trials alternate which cache goes first;
// medians. Targets (regcache): peak ≤ at-rest + 48 MiB, at-rest ≤ 80 MiB.
import type { UpstreamRegistry } from "../test/helpers/upstream-registry.ts";
import { waitUntilCached } from "./big-blob.ts";
import { singleGet } from "./blob-throughput.ts";
import type { Fixtures } from "./fixtures.ts";
import { median } from "./pulls.ts";
import { peakRssMiB, resetPeakRss, rssMiB } from "./rss.ts";
import { blobUrl, type Endpoint, startReferenceProxy, startRegcacheProxy } from "./servers.ts";

export const CLIENTS = 20;

export interface MemoryFigures {
  /** Per cache, medians over the trials, MiB. */
  proxy: { rest: number; peak: number; over: number };
  regcache: { rest: number; peak: number; over: number };
  trials: number;
}

async function curlWhole(url: string, size: number): Promise<void> {
  const got = await singleGet(url);
  if (got.status !== 200 || got.bytes !== size) throw new Error(`${url}: ${got.status}, ${got.bytes} bytes (expected ${size})`);
}

async function oneTrial(endpoint: Endpoint, repo: string, digest: string, size: number, cached: (url: string) => Promise<void>): Promise<{ rest: number; peak: number }> {
  await fetch(`${endpoint.url}/v2/`).then((r) => r.arrayBuffer());
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const pid = endpoint.pid();
  const rest = rssMiB(pid);
  resetPeakRss(pid);
  const url = blobUrl(endpoint, repo, digest);
  await Promise.all(Array.from({ length: CLIENTS }, () => curlWhole(url, size)));
  await cached(url);
  await Promise.all(Array.from({ length: CLIENTS }, () => curlWhole(url, size)));
  return { rest, peak: peakRssMiB(pid) };
}

export async function measureMemory(upstream: UpstreamRegistry, fixtures: Fixtures, trials: number, log: (msg: string) => void): Promise<MemoryFigures> {
  const { repo } = fixtures.big;
  const { digest, size } = fixtures.bigBlob;
  const runs = { proxy: [] as { rest: number; peak: number }[], regcache: [] as { rest: number; peak: number }[] };
  // The reference proxy has stored the blob once its clients got it; regcache says so (HIT).
  const caches = {
    proxy: async () => {
      const p = await startReferenceProxy(upstream);
      return { endpoint: p.endpoint, stop: () => p.registry.stop(), cached: async () => {} };
    },
    regcache: async () => {
      const r = await startRegcacheProxy(upstream);
      return { endpoint: r.endpoint, stop: () => r.regcache.dispose(), cached: (url: string) => waitUntilCached(url) };
    },
  };
  for (let t = 0; t < trials; t++) {
    const order = t % 2 ? (["regcache", "proxy"] as const) : (["proxy", "regcache"] as const);
    for (const which of order) {
      const cache = await caches[which]();
      try {
        const r = await oneTrial(cache.endpoint, repo, digest, size, cache.cached);
        runs[which].push(r);
        log(`memory, ${which}: at rest ${r.rest.toFixed(0)} MiB, peak with ${CLIENTS} clients ${r.peak.toFixed(0)} MiB (+${(r.peak - r.rest).toFixed(0)})`);
      } finally {
        await cache.stop();
      }
    }
  }
  const med = (rs: { rest: number; peak: number }[]) => ({
    rest: median(rs.map((r) => r.rest)),
    peak: median(rs.map((r) => r.peak)),
    over: median(rs.map((r) => r.peak - r.rest)),
  });
  return { proxy: med(runs.proxy), regcache: med(runs.regcache), trials };
}
