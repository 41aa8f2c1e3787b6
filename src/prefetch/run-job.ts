// Running one queued job. Blob jobs go through the cache's single-flight
// downloads, so a blob a client is already fetching is joined, not fetched
// again, and a blob that arrived meanwhile costs nothing.
import { findBlob, linkBlob, recordBlob } from "../db/queries/blobs.ts";
import type { PrefetchJob } from "../db/queries/prefetch-jobs.ts";
import { ensureRepository } from "../db/queries/repositories.ts";
import { parseManifest } from "../oci/manifest.ts";
import { UpstreamError } from "../upstream/index.ts";
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
  const repositoryId = ensureRepository(ctx.db, target.localName);
  if (findBlob(ctx.db, job.digest)) {
    linkBlob(ctx.db, repositoryId, job.digest);
    return { bytes: 0 };
  }
  // A file under blobs/ is complete and verified (it is renamed in only after
  // that); one without a row was promoted just before a crash. Keep it.
  const onDisk = await ctx.store.size(job.digest);
  if (onDisk !== undefined) {
    recordBlob(ctx.db, job.digest, onDisk, repositoryId);
    return { bytes: 0 };
  }
  // No await between this check and joining the download: it cannot finish in between unseen.
  if (findBlob(ctx.db, job.digest)) return { bytes: 0 };
  const joined = ctx.pullThrough.context.downloads.find(job.digest) !== undefined;
  const download = ctx.pullThrough.context.downloads.get(job.digest, ctx.client(job.upstream), target.remoteName, repositoryId);
  const size = await download.finished;
  linkBlob(ctx.db, repositoryId, job.digest);
  return { bytes: joined ? 0 : size };
}

/** Fetches a manifest by digest through the cache (stored once) and queues what it needs. */
export async function fetchAndPlan(ctx: PrefetchContext, upstream: string, repository: string, remoteName: string, digest: string, urgent: boolean): Promise<void> {
  const target = targetOf(ctx, upstream, repository, remoteName);
  const out = await ctx.pullThrough.manifest(target, digest);
  let parsed;
  try {
    parsed = parseManifest(out.manifest.content, out.manifest.mediaType);
  } catch (e) {
    throw new UpstreamError(upstream, "invalid-response", (e as Error).message);
  }
  // A manifest that was cached already did not pass the store hook: plan it here.
  planManifest(ctx.db, target, digest, parsed, { platforms: ctx.platformsFor(upstream, repository), referrers: ctx.referrers(upstream), urgent }, ctx.now());
  ctx.wake();
}
