// Issue 16's memory figure, in the bench: each cache fresh on empty storage, at-rest RSS
// (2 s after it served one /v2/), then 20 clients at once GET the 512 MiB blob cold, then
// 20 at once cached; VmHWM over those two phases. Trials alternate which cache goes first;
// medians. Targets (regcache): peak ≤ at-rest + 48 MiB, at-rest ≤ 80 MiB.
import type { UpstreamRegistry } from "../test/helpers/upstream-registry.ts";
import { runCommand } from "../test/helpers/processes.ts";
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
  const { stdout } = await runCommand("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", url], { name: "curl", timeoutMs: 300_000 });
  const [status, bytes] = stdout.trim().split(" ").map(Number);
  if (status !== 200 || bytes !== size) throw new Error(`${url}: ${status}, ${bytes} bytes (expected ${size})`);
}

async function settleCached(url: string): Promise<void> {
  // Each cache stores the blob once every byte arrived; the reference proxy answers HEAD from
  // its store, regcache says HIT. Either way, wait until a HEAD no longer reaches the upstream.
  for (let i = 0; i < 600; i++) {
    const r = await fetch(url, { method: "HEAD" });
    if (r.ok && r.headers.get("x-cache") !== "MISS") return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function oneTrial(endpoint: Endpoint, repo: string, digest: string, size: number): Promise<{ rest: number; peak: number }> {
  await fetch(`${endpoint.url}/v2/`).then((r) => r.arrayBuffer());
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const pid = endpoint.pid();
  const rest = rssMiB(pid);
  resetPeakRss(pid);
  const url = blobUrl(endpoint, repo, digest);
  await Promise.all(Array.from({ length: CLIENTS }, () => curlWhole(url, size)));
  await settleCached(url);
  await Promise.all(Array.from({ length: CLIENTS }, () => curlWhole(url, size)));
  return { rest, peak: peakRssMiB(pid) };
}

export async function measureMemory(upstream: UpstreamRegistry, fixtures: Fixtures, trials: number, log: (msg: string) => void): Promise<MemoryFigures> {
  const { repo } = fixtures.big;
  const { digest, size } = fixtures.bigBlob;
  const runs = { proxy: [] as { rest: number; peak: number }[], regcache: [] as { rest: number; peak: number }[] };
  const caches = {
    proxy: async () => {
      const p = await startReferenceProxy(upstream);
      return { endpoint: p.endpoint, stop: () => p.registry.stop() };
    },
    regcache: async () => {
      const r = await startRegcacheProxy(upstream);
      return { endpoint: r.endpoint, stop: () => r.regcache.dispose() };
    },
  };
  for (let t = 0; t < trials; t++) {
    const order = t % 2 ? (["regcache", "proxy"] as const) : (["proxy", "regcache"] as const);
    for (const which of order) {
      const cache = await caches[which]();
      try {
        const r = await oneTrial(cache.endpoint, repo, digest, size);
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
