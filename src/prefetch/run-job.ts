// Running one queued job. Blob jobs go through the cache's single-flight
// downloads, so a blob a client is already fetching is joined, not fetched
// again, and a blob that arrived meanwhile costs nothing.
import type { PrefetchJob } from "../db/queries/prefetch-jobs.ts";
import { targetOf, type PrefetchContext } from "./context.ts";
import { planManifest } from "./plan.ts";
import { fetchReferrers } from "./referrers.ts";

export interface JobResult {
  /** Bytes this job caused to be downloaded (0 when the blob was there or joined). */
  bytes: number;
}

export async function runJob(ctx: PrefetchContext, job: PrefetchJob): Promise<JobResult> {
  if (job.kind === "blob") return runBlob(ctx, job);
  if (job.kind === "manifest") {
    await fetchAndPlan(ctx, job.upstream, job.repository, job.remoteName, job.digest, job.priority > 0);
    return { bytes: 0 };
  }
  await fetchReferrers(ctx, job, (digest) => fetchAndPlan(ctx, job.upstream, job.repository, job.remoteName, digest, false));
  return { bytes: 0 };
}

async function runBlob(ctx: PrefetchContext, job: PrefetchJob): Promise<JobResult> {
  const target = targetOf(ctx, job.upstream, job.repository, job.remoteName);
  // Stored for this repository (or referenced by its manifests): nothing to do.
  if (ctx.pullThrough.blobs.has(target, job.digest)) return { bytes: 0 };
  // Otherwise join the cache's download from this upstream, or start one at the capped rate;
  // a blob another repository stored is fetched through this one's upstream, which decides.
  const { size, started } = await ctx.pullThrough.blobs.fetch(target, job.digest, { filter: ctx.throttle(job.upstream) });
  return { bytes: started ? size : 0 };
}

/** Fetches a manifest by digest through the cache (stored once) and queues what it needs. */
export async function fetchAndPlan(ctx: PrefetchContext, upstream: string, repository: string, remoteName: string, digest: string, urgent: boolean): Promise<void> {
  const target = targetOf(ctx, upstream, repository, remoteName);
  const out = await ctx.pullThrough.manifests.get(target, digest);
  const parsed = out.parsed();
  // A manifest that was cached already did not pass the store hook: plan it here.
  planManifest(ctx.db, target, digest, parsed, { platforms: ctx.platformsFor(upstream, repository), referrers: ctx.referrers(upstream), urgent }, ctx.now());
  ctx.wake();
}
