// Cold and warm pulls of the 4 × 64 MiB image. Each trial starts both caches afresh
// (empty storage), so every trial's first pull is cold; the direct pull from the
// upstream runs in the same trial, so each ratio compares neighbours in time. The order
// of the two caches alternates between trials. The last trial's caches stay up for the
// later phases.
import type { UpstreamRegistry } from "../test/helpers/upstream-registry.ts";
import type { BenchImage } from "./fixtures.ts";
import { median, settledBlobGets, timePull } from "./pulls.ts";
import { upstreamEndpoint, type Endpoint } from "./servers.ts";

export interface Cache {
  endpoint: Endpoint;
  stop(): Promise<void>;
}

export interface CachePullFigures {
  coldSeconds: number[];
  warmSeconds: number[];
  /** Upstream blob GETs during each cold pull, divided by the image's blob count. */
  upstreamGetsPerBlob: number[];
}

export interface PullFigures {
  directSeconds: number[];
  proxy: CachePullFigures;
  regcache: CachePullFigures;
  /** Medians: cold / direct. */
  proxyColdRatio: number;
  regcacheColdRatio: number;
}

export async function measurePulls(
  upstream: UpstreamRegistry,
  image: BenchImage,
  trials: number,
  start: { proxy: () => Promise<Cache>; regcache: () => Promise<Cache> },
  log: (msg: string) => void,
): Promise<{ figures: PullFigures; proxy: Cache; regcache: Cache }> {
  const direct = upstreamEndpoint(upstream);
  // Not counted: brings skopeo, the upstream and the page cache to a steady state.
  await timePull(direct, image);

  const figures: PullFigures = {
    directSeconds: [],
    proxy: { coldSeconds: [], warmSeconds: [], upstreamGetsPerBlob: [] },
    regcache: { coldSeconds: [], warmSeconds: [], upstreamGetsPerBlob: [] },
    proxyColdRatio: NaN,
    regcacheColdRatio: NaN,
  };
  let caches: { proxy: Cache; regcache: Cache } | undefined;
  for (let trial = 0; trial < trials; trial++) {
    if (caches) await Promise.all([caches.proxy.stop(), caches.regcache.stop()]);
    caches = { proxy: await start.proxy(), regcache: await start.regcache() };
    figures.directSeconds.push(await timePull(direct, image));
    const order = trial % 2 === 0 ? (["proxy", "regcache"] as const) : (["regcache", "proxy"] as const);
    for (const which of order) {
      const cache = caches[which];
      await settledBlobGets(upstream);
      upstream.resetAccessLog();
      const cold = await timePull(cache.endpoint, image);
      const gets = await settledBlobGets(upstream);
      const warm = await timePull(cache.endpoint, image);
      figures[which].coldSeconds.push(cold);
      figures[which].warmSeconds.push(warm);
      figures[which].upstreamGetsPerBlob.push(gets / image.blobs.length);
      log(`trial ${trial + 1}: ${cache.endpoint.label} cold ${cold.toFixed(2)} s (${gets} upstream blob GETs), warm ${warm.toFixed(2)} s`);
    }
    log(`trial ${trial + 1}: direct ${figures.directSeconds.at(-1)!.toFixed(2)} s`);
  }
  const directMedian = median(figures.directSeconds);
  figures.proxyColdRatio = median(figures.proxy.coldSeconds) / directMedian;
  figures.regcacheColdRatio = median(figures.regcache.coldSeconds) / directMedian;
  return { figures, ...caches! };
}
