// An upstream with mirrors: the mirrors are tried in order before the
// upstream's own url. A mirror that fails with an outage (refused, reset, dns,
// timeout, tls, 5xx, 429) is skipped for a back-off period — a circuit per
// mirror — so one dead hub costs one timeout, not one per request; after the
// back-off one request probes it again, and each further failure doubles the
// wait (up to 16x). A mirror that does not have something (404) is simply
// passed over. Bytes are verified above this layer (the cache checks every
// digest), so what a mirror answers is trusted no more than the upstream.
import { UpstreamError, type FailureClass } from "./errors.ts";
import type { UpstreamClient } from "./client.ts";

const OUTAGES: ReadonlySet<FailureClass> = new Set(["refused", "reset", "dns", "timeout", "tls", "http-5xx", "http-429"]);

export interface Endpoint {
  /** "mirror 1 (https://hub:5000)", for the log. */
  label: string;
  client: UpstreamClient;
  /** The repository name at this endpoint for the upstream's name (remote_namespace of the mirror). */
  rename(repo: string): string;
}

export interface CircuitEvents {
  opened(label: string, failure: FailureClass, untilMs: number): void;
  closed(label: string): void;
}

class Circuit {
  private failures = 0;
  private openUntil = 0;

  constructor(private readonly baseMs: number) {}

  isOpen(now: number): boolean {
    return now < this.openUntil;
  }

  /** Returns when it opens until. */
  fail(now: number): number {
    this.failures = Math.min(this.failures + 1, 5);
    this.openUntil = now + this.baseMs * 2 ** (this.failures - 1);
    return this.openUntil;
  }

  /** Was it failing before? */
  succeed(): boolean {
    const was = this.failures > 0;
    this.failures = 0;
    this.openUntil = 0;
    return was;
  }
}

export function mirroredClient(name: string, mirrors: Endpoint[], origin: UpstreamClient, o: { backoffMs: number; now: () => number; events: CircuitEvents }): UpstreamClient {
  const circuits = mirrors.map(() => new Circuit(o.backoffMs));

  /** Each open mirror in order, then the origin; the first answer that is not a pass-over wins. */
  async function tryEach<T>(call: (client: UpstreamClient, repo: string) => Promise<T>, repo: string): Promise<T> {
    for (let i = 0; i < mirrors.length; i++) {
      const m = mirrors[i]!;
      const circuit = circuits[i]!;
      if (circuit.isOpen(o.now())) continue;
      try {
        const result = await call(m.client, m.rename(repo));
        if (circuit.succeed()) o.events.closed(m.label);
        return result;
      } catch (e) {
        if (!(e instanceof UpstreamError)) throw e;
        if (OUTAGES.has(e.failure)) o.events.opened(m.label, e.failure, circuit.fail(o.now()));
        // Any failure of a mirror (an outage, a 404, a refusal) passes the request on.
      }
    }
    return call(origin, repo);
  }

  return {
    name,
    manifest: (repo, reference, method, accept) => tryEach((c, r) => c.manifest(r, reference, method, accept), repo),
    blob: (repo, digest) => tryEach((c, r) => c.blob(r, digest), repo),
    blobSize: (repo, digest) => tryEach((c, r) => c.blobSize(r, digest), repo),
    tags: (repo, options) => tryEach((c, r) => c.tags(r, options), repo),
    referrers: (repo, digest) => tryEach((c, r) => c.referrers(r, digest), repo),
    async close() {
      await Promise.all([origin, ...mirrors.map((m) => m.client)].map((c) => c.close().catch(() => {})));
    },
  };
}
