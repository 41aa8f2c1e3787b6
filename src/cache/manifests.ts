// Pull-through manifests (docs/architecture.md, "The path of a pull"):
// fresh → served from SQLite with no upstream contact; older → one HEAD
// upstream; upstream failing → the cached copy while within ttl + staleness.
import { findManifest, findManifestById, referencedSize, type StoredManifest } from "../db/queries/manifests.ts";
import { findRepositoryId } from "../db/queries/repositories.ts";
import { confirmTag, findTag, type TagRow } from "../db/queries/tags.ts";
import { MANIFEST_TYPES } from "../oci/media-types.ts";
import { lazyParse } from "../repository/lazy-parse.ts";
import { parseLookupReference } from "../repository/validate.ts";
import type { CacheOutcome, ManifestRead } from "../repository/types.ts";
import { UpstreamError } from "../upstream/index.ts";
import type { CacheContext, CachedUpstream } from "./context.ts";
import { freshnessOf, servesStaleOn } from "./freshness.ts";
import { SingleFlight } from "./single-flight.ts";
import { storeUpstreamManifest, verifyUpstreamManifest, type VerifiedManifest } from "./store-manifest.ts";
import type { Target } from "./targets.ts";

// regcache always asks the upstream for every manifest type it understands, so
// that the cached copy is the upstream's canonical one whatever the client sent.
const ACCEPT = [...MANIFEST_TYPES];

/** A manifest to serve, and how the cache got it (for X-Cache and the log). */
export type ManifestOutcome = ManifestRead & { cache: CacheOutcome };

function fromStore(m: StoredManifest, cache: CacheOutcome, upstreamFailure?: string): ManifestOutcome {
  return { digest: m.digest, mediaType: m.mediaType, content: m.content, parsed: lazyParse(m.content, m.mediaType), cache, ...(upstreamFailure ? { upstreamFailure } : {}) };
}

function fromUpstream(m: VerifiedManifest, upstreamCache: string | undefined): ManifestOutcome {
  return { digest: m.digest, mediaType: m.mediaType, content: m.content, parsed: () => m.parsed, cache: "MISS", ...(upstreamCache ? { upstreamCache } : {}) };
}

export class ManifestCache {
  // Keyed by repository and reference: 20 clients asking at once cause one upstream request.
  private readonly flights = new SingleFlight<ManifestOutcome>();

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
  private async byDigest(upstream: CachedUpstream, target: Target, digest: string): Promise<ManifestOutcome> {
    const repositoryId = findRepositoryId(this.ctx.db, target.localName);
    const cached = repositoryId === undefined ? undefined : findManifest(this.ctx.db, repositoryId, digest);
    if (cached) return fromStore(cached, "HIT");
    return this.flights.run(`${target.localName}@${digest}`, async () => {
      const expectedSize = repositoryId === undefined ? undefined : referencedSize(this.ctx.db, repositoryId, digest);
      const answer = await this.fetch(upstream, target, digest, "GET");
      const verified = verifyUpstreamManifest(target.upstream, answer, digest, expectedSize);
      storeUpstreamManifest(this.ctx, target, verified, undefined);
      return fromUpstream(verified, answer.xCache);
    });
  }

  private async byTag(upstream: CachedUpstream, target: Target, tag: string, force: boolean): Promise<ManifestOutcome> {
    const db = this.ctx.db;
    const repositoryId = findRepositoryId(db, target.localName);
    const row = repositoryId === undefined ? undefined : findTag(db, repositoryId, tag);
    const cached = row ? findManifestById(db, row.manifestId) : undefined;
    if (!force && row && cached && freshnessOf(row.confirmedAt, this.ctx.now(), upstream.freshness) === "fresh") return fromStore(cached, "HIT");
    return this.flights.run(`${target.localName}:${tag}`, () => this.revalidate(upstream, target, tag, row, cached));
  }

  private async revalidate(upstream: CachedUpstream, target: Target, tag: string, row: TagRow | undefined, cached: StoredManifest | undefined): Promise<ManifestOutcome> {
    try {
      if (row && cached) {
        const head = await this.fetch(upstream, target, tag, "HEAD");
        if (head.digest === cached.digest) return { ...this.confirmed(row, cached), ...(head.xCache ? { upstreamCache: head.xCache } : {}) };
        // The upstream moved the tag. A pinned tag keeps its digest: decided now, before
        // any GET, so it costs this one HEAD and no download of a manifest we would refuse.
        const pin = this.ctx.guard.decide(target.localName, tag);
        if (head.digest !== undefined && pin.immutable) return this.pinned(target, tag, row, cached, head.digest, pin.policy);
        // HEAD without a digest (some registries) or a new digest: GET decides.
      }
      const answer = await this.fetch(upstream, target, tag, "GET");
      const verified = verifyUpstreamManifest(target.upstream, answer, undefined);
      if (row && cached && verified.digest === cached.digest) return this.confirmed(row, cached);
      const stored = storeUpstreamManifest(this.ctx, target, verified, tag);
      if (stored.kind === "pinned" && row && cached) return this.pinned(target, tag, row, cached, verified.digest, stored.policy);
      return fromUpstream(verified, answer.xCache);
    } catch (e) {
      if (!(e instanceof UpstreamError) || !row || !cached) throw e;
      const freshness = freshnessOf(row.confirmedAt, this.ctx.now(), upstream.freshness);
      if (freshness !== "expired" && servesStaleOn(e.failure, upstream.freshness)) {
        this.ctx.metrics.staleServed.inc({ upstream: target.upstream, class: e.failure });
        this.ctx.log.warn("upstream failed; serving cached manifest", { upstream: target.upstream, repository: target.remoteName, tag, digest: cached.digest, upstream_failure: e.failure, confirmed_at: new Date(row.confirmedAt ?? 0).toISOString() });
        return fromStore(cached, "STALE", e.failure);
      }
      throw e;
    }
  }

  private confirmed(row: TagRow, cached: StoredManifest): ManifestOutcome {
    confirmTag(this.ctx.db, row.id, this.ctx.now());
    return fromStore(cached, "REVALIDATED");
  }

  private pinned(target: Target, tag: string, row: TagRow, cached: StoredManifest, upstreamDigest: string, policy: string): ManifestOutcome {
    this.ctx.log.info("immutable tag kept its digest despite upstream retag", { repository: target.localName, tag, kept: cached.digest, upstream_digest: upstreamDigest, policy });
    return this.confirmed(row, cached);
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
