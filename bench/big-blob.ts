// The 512 MiB blob: streamed once cold through each cache (one client, curl), then GET
// over and over once cached (wrk, one connection) from nginx, the reference proxy and
// regcache. Peak RSS of every process is the high-water mark over exactly this phase.
import type { UpstreamRegistry } from "../test/helpers/upstream-registry.ts";
import { blobThroughput, singleGet } from "./blob-throughput.ts";
import type { Fixtures } from "./fixtures.ts";
import { peakRssMiB, resetPeakRss } from "./rss.ts";
import { settledCount } from "./pulls.ts";
import { blobUrl, type Endpoint } from "./servers.ts";
import type { WrkResult } from "./wrk.ts";

export interface BigBlobFigures {
  /** One cold GET through each cache: MB/s (10^6 bytes/s), and upstream GETs it caused. */
  cold: Record<"proxy" | "regcache", { mbPerSecond: number; upstreamGets: number }>;
  /** Cached blob, one connection, MB/s. */
  cached: Record<"nginx" | "proxy" | "regcache", WrkResult & { mbPerSecond: number }>;
  /** VmHWM over this phase, MiB; `resetWorked` false means since process start. */
  peakRssMiB: Record<"upstream" | "nginx" | "proxy" | "regcache", number>;
  /** VmHWM of each process from its start up to this phase (cold pulls, manifest load, 20 concurrent GETs). */
  peakRssBeforeMiB: Record<"upstream" | "nginx" | "proxy" | "regcache", number>;
  resetWorked: boolean;
}

/** Waits until regcache answers the blob from its store (X-Cache: HIT). */
export async function waitUntilCached(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const head = await fetch(url, { method: "HEAD" });
    if (head.headers.get("x-cache") === "HIT") return;
    if (Date.now() > deadline) throw new Error(`${url} still not served from the cache after ${timeoutMs} ms (X-Cache: ${head.headers.get("x-cache")})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function measureBigBlob(
  upstream: UpstreamRegistry,
  endpoints: { upstream: Endpoint; proxy: Endpoint; regcache: Endpoint; nginx: { url: string; pid: () => number } },
  fixtures: Fixtures,
  seconds: number,
  log: (msg: string) => void,
): Promise<BigBlobFigures> {
  const pids = { upstream: endpoints.upstream.pid(), nginx: endpoints.nginx.pid(), proxy: endpoints.proxy.pid(), regcache: endpoints.regcache.pid() };
  const before = {} as BigBlobFigures["peakRssBeforeMiB"];
  for (const [which, pid] of Object.entries(pids) as [keyof typeof pids, number][]) before[which] = peakRssMiB(pid);
  let resetWorked = true;
  for (const pid of Object.values(pids)) resetWorked = resetPeakRss(pid) && resetWorked;

  const { repo } = fixtures.big;
  const { digest, size } = fixtures.bigBlob;
  const upstreamPath = `/v2/${repo}/blobs/${digest}`;
  const cold = {} as BigBlobFigures["cold"];
  // The reference proxy fetches the blob a second time after its client got it, and the
  // upstream logs a GET when it ends: on a slow run that 512 MiB GET ended more than 1.5 s
  // later, inside regcache's turn, was counted as regcache's (2 GETs) and halved its MB/s
  // by sharing the upstream. A quiet spell of 6 s lets it end first.
  const quietMs = 6_000;
  for (const which of ["proxy", "regcache"] as const) {
    const getsBefore = await settledCount(upstream, { method: "GET", path: upstreamPath }, quietMs);
    const got = await singleGet(blobUrl(endpoints[which], repo, digest));
    if (got.status !== 200 || got.bytes !== size) throw new Error(`${which}: cold GET of the 512 MiB blob gave ${got.status}, ${got.bytes} bytes`);
    cold[which] = { mbPerSecond: size / got.seconds / 1e6, upstreamGets: (await settledCount(upstream, { method: "GET", path: upstreamPath }, quietMs)) - getsBefore };
    log(`512 MiB blob cold through ${which}: ${cold[which].mbPerSecond.toFixed(0)} MB/s`);
  }
  await waitUntilCached(blobUrl(endpoints.regcache, repo, digest));

  const urls = {
    nginx: `${endpoints.nginx.url}${fixtures.bigBlob.path}`,
    proxy: blobUrl(endpoints.proxy, repo, digest),
    regcache: blobUrl(endpoints.regcache, repo, digest),
  };
  const cached = {} as BigBlobFigures["cached"];
  for (const which of ["nginx", "proxy", "regcache"] as const) {
    const result = await blobThroughput(urls[which], size, seconds);
    cached[which] = { ...result, mbPerSecond: result.bytesPerSecond / 1e6 };
    log(`512 MiB blob cached from ${which}: ${cached[which].mbPerSecond.toFixed(0)} MB/s (${result.requests} GETs)`);
  }

  const peak = {} as BigBlobFigures["peakRssMiB"];
  for (const [which, pid] of Object.entries(pids) as [keyof typeof pids, number][]) peak[which] = peakRssMiB(pid);
  return { cold, cached, peakRssMiB: peak, peakRssBeforeMiB: before, resetWorked };
}
