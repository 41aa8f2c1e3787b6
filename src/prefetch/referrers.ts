// Artifacts that refer to an image (`referrers = true`): what the upstream's
// referrers API lists, and cosign's tag convention (sha256-<hex>.sig, .att,
// .sbom) for registries without that API. Each found manifest is fetched
// through the cache, which stores it with its subject, so regcache's own
// referrers API lists it too.
import type { PrefetchJob } from "../db/queries/prefetch-jobs.ts";
import { parseManifest } from "../oci/manifest.ts";
import { UpstreamError } from "../upstream/index.ts";
import { targetOf, type PrefetchContext } from "./context.ts";

const COSIGN_SUFFIXES = ["sig", "att", "sbom"];

export async function fetchReferrers(ctx: PrefetchContext, job: PrefetchJob, fetchDigest: (digest: string) => Promise<void>): Promise<void> {
  const target = targetOf(ctx, job.upstream, job.repository, job.remoteName);
  const found = new Set<string>();
  const index = await ctx.pullThrough.upstream.referrers(target, job.digest);
  if (index) {
    try {
      for (const d of parseManifest(index).manifests) found.add(d.digest);
    } catch (e) {
      throw new UpstreamError(job.upstream, "invalid-response", `referrers index: ${(e as Error).message}`);
    }
  }
  const hex = job.digest.replace(":", "-");
  for (const suffix of COSIGN_SUFFIXES) {
    // HEAD first: most images have none of these tags, and a 404 is not worth a warning.
    const digest = await ctx.pullThrough.upstream.tagDigest(target, `${hex}.${suffix}`);
    if (digest) found.add(digest);
  }
  for (const digest of found) await fetchDigest(digest);
}
