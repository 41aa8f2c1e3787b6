// Pulling one image completely, now: its manifest through the cache (a tag is
// revalidated with the upstream, so a retag is picked up), the wanted children
// of an index, and every missing blob queued. Used by the schedules and by
// `regcache prefetch`; the blobs themselves arrive through the worker pool.
import { manifestIdIn } from "../db/queries/completeness.ts";
import type { ParsedManifest } from "../oci/manifest.ts";
import { targetOf, type PrefetchContext } from "./context.ts";
import { planManifest, wantedChildren } from "./plan.ts";
import { imageStatus, type ImageStatus } from "./status.ts";

export interface ImageSpec {
  upstream: string;
  /** Local repository name, upstream first ("docker.io/library/nginx"). */
  repository: string;
  /** A tag or a digest. */
  reference: string;
  /** Overrides the repository's platforms (empty: use them). */
  platforms?: readonly string[];
}

export interface PulledImage {
  digest: string;
  mediaType: string;
  /** The upstream failed and the cached copy was used (its failure class). */
  staleBecause?: string;
  platforms: readonly string[];
  status: ImageStatus;
  /** Its blobs that were in the store before this pull queued anything. */
  cached: Set<string>;
}

export async function pullImage(ctx: PrefetchContext, spec: ImageSpec, urgent: boolean): Promise<PulledImage> {
  const target = targetOf(ctx, spec.upstream, spec.repository);
  const platforms = spec.platforms?.length ? spec.platforms : ctx.platformsFor(spec.upstream, spec.repository);
  const plan = { platforms, referrers: ctx.referrers(spec.upstream), urgent };
  const top = await ctx.pullThrough.manifests.get(target, spec.reference, { revalidate: true });
  const digest = top.digest;
  const parsed = top.parsed();
  const cached = new Set<string>();
  const plan1 = (d: string, p: ParsedManifest, referrers: boolean) => {
    const queued = new Set(planManifest(ctx.db, target, d, p, { ...plan, referrers }, ctx.now()).map((j) => j.digest));
    for (const b of p.blobs) if (!queued.has(b.digest)) cached.add(b.digest);
  };
  plan1(digest, parsed, plan.referrers);
  // Children now rather than through their queued jobs: the caller wants the full blob list.
  for (const child of wantedChildren(parsed, platforms)) {
    const out = await ctx.pullThrough.manifests.get(target, child.digest);
    plan1(child.digest, out.parsed(), false);
  }
  ctx.wake();
  const id = manifestIdIn(ctx.db, spec.repository, digest)!;
  return {
    digest,
    mediaType: top.mediaType,
    ...(top.cache === "STALE" ? { staleBecause: top.upstreamFailure ?? "unknown" } : {}),
    platforms,
    status: imageStatus(ctx.db, spec.repository, id, platforms),
    cached,
  };
}
