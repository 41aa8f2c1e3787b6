// 20 clients ask a cache for the same blob at the same moment, before it holds it.
// What counts is how many GETs of that blob reached the upstream (its access log);
// every client's bytes are also hashed, so a fast wrong answer cannot pass.
import { createHash } from "node:crypto";
import type { UpstreamRegistry } from "../test/helpers/upstream-registry.ts";
import { settledCount } from "./pulls.ts";
import { blobUrl, type Endpoint } from "./servers.ts";

export interface ConcurrentFigures {
  clients: number;
  upstreamGets: number;
  /** Clients that got status 200 and exactly the blob's bytes. */
  verified: number;
  seconds: number;
}

async function fetchAndHash(url: string): Promise<string | undefined> {
  const response = await fetch(url);
  if (response.status !== 200 || !response.body) {
    await response.body?.cancel();
    return undefined;
  }
  const hash = createHash("sha256");
  const reader = response.body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) hash.update(next.value);
  return `sha256:${hash.digest("hex")}`;
}

export async function concurrentColdGets(
  upstream: UpstreamRegistry,
  endpoint: Endpoint,
  repo: string,
  digest: string,
  clients = 20,
): Promise<ConcurrentFigures> {
  const path = `/v2/${repo}/blobs/${digest}`;
  const before = await settledCount(upstream, { method: "GET", path });
  const url = blobUrl(endpoint, repo, digest);
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: clients }, () => fetchAndHash(url).catch(() => undefined)));
  const seconds = (performance.now() - started) / 1000;
  const count = await settledCount(upstream, { method: "GET", path });
  return { clients, upstreamGets: count - before, verified: results.filter((d) => d === digest).length, seconds };
}
