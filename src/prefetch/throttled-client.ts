// Each upstream's client as the prefetch workers see it: the same client
// (its connections, tokens and 429 gate), with blob bodies passed through the
// shared max_bandwidth bucket and counted as prefetch bytes. Only downloads a
// worker starts go through here; a client's pull is never throttled — but a
// client that joins a download a worker started reads it at the worker's pace.
import type { PullThrough } from "../cache/service.ts";
import type { UpstreamClient } from "../upstream/index.ts";
import { UnknownUpstream } from "./errors.ts";
import { throttle, TokenBucket } from "./token-bucket.ts";

export function throttledClients(pullThrough: PullThrough, bytesPerSecond: number | undefined, onBytes: (upstream: string, n: number) => void): (upstream: string) => UpstreamClient {
  const bucket = bytesPerSecond ? new TokenBucket(bytesPerSecond) : undefined;
  const clients = new Map<string, UpstreamClient>();
  for (const [name, u] of pullThrough.context.upstreams) {
    const c = u.client;
    clients.set(name, {
      name: c.name,
      manifest: (repo, reference, method, accept) => c.manifest(repo, reference, method, accept),
      tags: (repo) => c.tags(repo),
      referrers: (repo, digest) => c.referrers(repo, digest),
      async blob(repo, digest) {
        const r = await c.blob(repo, digest);
        return { size: r.size, abort: r.abort, body: throttle(r.body, bucket, (n) => onBytes(name, n)) };
      },
      // The cache owns the connection pool and closes it.
      close: async () => {},
    });
  }
  return (upstream) => {
    const client = clients.get(upstream);
    if (!client) throw new UnknownUpstream(upstream);
    return client;
  };
}
