// One [[prefetch.image]] run: pull the image (or every tag matching `tags`,
// the highest `max_tags` in version order) so that a site has fresh, complete
// copies before it needs them.
import type { PrefetchImageConfig } from "../config/prefetch.ts";
import { parseImageRef, referenceOf } from "../oci/image-ref.ts";
import { classifyFailure } from "./backoff.ts";
import { targetOf, type PrefetchContext } from "./context.ts";
import { pullImage } from "./image-pull.ts";

export interface ImageRunSummary {
  pulled: string[];
  failed: { reference: string; error: string; failure: string }[];
  /** Bytes still to download for the pulled images, as queued. */
  missingBytes: number;
}

/** Version order: "1.27.10" after "1.27.9". */
const versionOrder = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });

export async function matchingTags(ctx: PrefetchContext, upstream: string, remoteName: string, pattern: string, max: number): Promise<string[]> {
  const re = new RegExp(pattern);
  const target = targetOf(ctx, upstream, `${upstream}/${remoteName}`, remoteName);
  const tags = (await ctx.pullThrough.upstream.tags(target)).filter((t) => re.test(t)).sort(versionOrder);
  return tags.slice(-max);
}

export async function runImageSchedule(ctx: PrefetchContext, entry: PrefetchImageConfig): Promise<ImageRunSummary> {
  const ref = parseImageRef(entry.ref)!;
  const upstream = ref.name.slice(0, ref.name.indexOf("/"));
  const remoteName = ref.name.slice(upstream.length + 1);
  const references = entry.tags ? await matchingTags(ctx, upstream, remoteName, entry.tags, entry.max_tags) : [referenceOf(ref)!];
  const summary: ImageRunSummary = { pulled: [], failed: [], missingBytes: 0 };
  for (const reference of references) {
    try {
      const pulled = await pullImage(ctx, { upstream, repository: ref.name, reference, platforms: entry.platforms }, false);
      summary.pulled.push(`${ref.name}${reference.includes(":") ? "@" : ":"}${reference}`);
      summary.missingBytes += pulled.status.missingBytes;
    } catch (e) {
      summary.failed.push({ reference, error: (e as Error).message, failure: classifyFailure(e).failure });
    }
  }
  return summary;
}
