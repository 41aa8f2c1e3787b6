// Pull-through manifests (DESIGN.md, "The flow of a pull", steps 2-4):
// fresh → served from SQLite with no upstream contact; older → one HEAD
// upstream; upstream failing → the cached copy while within ttl + staleness.
import { findRepositoryId } from "../db/queries/repositories.ts";
import { findManifest, findManifestById, type StoredManifest } from "../db/queries/manifests.ts";
import { confirmTag, findTag, type TagRow } from "../db/queries/tags.ts";
import { MANIFEST_TYPES } from "../oci/media-types.ts";
import { parseLookupReference } from "../repository/validate.ts";
import { UpstreamError } from "../upstream/index.ts";
import type { CacheContext, CachedUpstream } from "./context.ts";
import { freshnessOf, servesStaleOn } from "./freshness.ts";
import { SingleFlight } from "./single-flight.ts";
import { storeUpstreamManifest } from "./store-manifest.ts";
import type { Target } from "./targets.ts";

// regcache always asks the upstream for every manifest type it understands, so
// that the cached copy is the upstream's canonical one whatever the client sent.
const ACCEPT = [...MANIFEST_TYPES];

export type CacheOutcome = "HIT" | "MISS" | "REVALIDATED" | "STALE";

/** A manifest to serve, and how the cache got it (for X-Cache and the log). */
export interface ManifestOutcome {
  manifest: Pick<StoredManifest, "digest" | "mediaType" | "content">;
  cache: CacheOutcome;
  upstreamFailure?: string;
}
type Outcome = ManifestOutcome;

export class ManifestCache {
  private readonly flights = new SingleFlight<Outcome>();

  constructor(private readonly ctx: CacheContext) {}

  /** `revalidate`: ask the upstream about a tag even while it is fresh (scheduled prefetches renew tags). */
  async get(target: Target, reference: string, options: { revalidate?: boolean } = {}): Promise<ManifestOutcome> {
    const upstream = this.ctx.upstreams.get(target.upstream)!;
    const ref = parseLookupReference(reference);
    const outcome = ref.kind === "digest" ? await this.byDigest(upstream, target, ref.digest) : await this.byTag(upstream, target, ref.tag, options.revalidate ?? false);
    this.ctx.metrics.responses.inc({ upstream: target.upstream, kind: "manifest", outcome: outcome.cache });
    return outcome;
  }

  /** By digest: content-addressed, so once cached it never needs the upstream again. */
  private async byDigest(upstream: CachedUpstream, target: Target, digest: string): Promise<Outcome> {
    const repositoryId = findRepositoryId(this.ctx.registry.db, target.localName);
    const cached = repositoryId === undefined ? undefined : findManifest(this.ctx.registry.db, repositoryId, digest);
    if (cached) return { manifest: cached, cache: "HIT" };
    return this.flights.run(`${target.localName}@${digest}`, async () => {
      const result = await this.fetch(upstream, target, digest, "GET");
      const stored = storeUpstreamManifest(this.ctx, target, result, digest, undefined);
      return { manifest: stored, cache: "MISS" };
    });
  }

  private async byTag(upstream: CachedUpstream, target: Target, tag: string, force: boolean): Promise<Outcome> {
    const db = this.ctx.registry.db;
    const repositoryId = findRepositoryId(db, target.localName);
    const row = repositoryId === undefined ? undefined : findTag(db, repositoryId, tag);
    const cached = row ? findManifestById(db, row.manifestId) : undefined;
    if (!force && row && cached && freshnessOf(row.confirmedAt, this.ctx.now(), upstream.freshness) === "fresh") {
      return { manifest: cached, cache: "HIT" };
    }
    // Revalidations of one tag share one upstream request.
    return this.flights.run(`${target.localName}:${tag}`, () => this.revalidate(upstream, target, tag, row, cached));
  }

  private async revalidate(upstream: CachedUpstream, target: Target, tag: string, row: TagRow | undefined, cached: StoredManifest | undefined): Promise<Outcome> {
    try {
      if (row && cached) {
        const head = await this.fetch(upstream, target, tag, "HEAD");
        if (head.digest === cached.digest) {
          confirmTag(this.ctx.registry.db, row.id, this.ctx.now());
          return { manifest: cached, cache: "REVALIDATED" };
        }
        // HEAD without a digest (some registries) or a new digest: GET decides.
      }
      const result = await this.fetch(upstream, target, tag, "GET");
      if (row && cached && result.digest === cached.digest) {
        confirmTag(this.ctx.registry.db, row.id, this.ctx.now());
        return { manifest: cached, cache: "REVALIDATED" };
      }
      const stored = storeUpstreamManifest(this.ctx, target, result, undefined, tag);
      if (stored.pinned && cached) return { manifest: cached, cache: "REVALIDATED" };
      return { manifest: stored, cache: "MISS" };
    } catch (e) {
      if (!(e instanceof UpstreamError) || !row || !cached) throw e;
      const freshness = freshnessOf(row.confirmedAt, this.ctx.now(), upstream.freshness);
      if (freshness !== "expired" && servesStaleOn(e.failure, upstream.freshness)) {
        this.ctx.metrics.staleServed.inc({ upstream: target.upstream, class: e.failure });
        this.ctx.log.warn("upstream failed; serving cached manifest", { upstream: target.upstream, repository: target.remoteName, tag, digest: cached.digest, upstream_failure: e.failure, confirmed_at: new Date(row.confirmedAt ?? 0).toISOString() });
        return { manifest: cached, cache: "STALE", upstreamFailure: e.failure };
      }
      throw e;
    }
  }

  private async fetch(upstream: CachedUpstream, target: Target, reference: string, method: "HEAD" | "GET") {
    try {
      return await upstream.client.manifest(target.remoteName, reference, method, ACCEPT);
    } catch (e) {
      if (e instanceof UpstreamError) {
        this.ctx.metrics.upstreamFailures.inc({ upstream: target.upstream, class: e.failure });
        this.ctx.log.warn("upstream request failed", { upstream: target.upstream, repository: target.remoteName, reference, method, upstream_failure: e.failure, error: e.message });
      }
      throw e;
    }
  }
}
