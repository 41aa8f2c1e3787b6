// A cached repository (an upstream's) as the Repository seam sees it: reads
// go through the cache, writes are refused (read-only), listings come from
// the upstream with the cached tags as the fallback during an outage.
import { findRepositoryId } from "../db/queries/repositories.ts";
import { listTagNames } from "../db/queries/tags.ts";
import { NameUnknown, Unsupported } from "../repository/errors.ts";
import type { Repository } from "../repository/types.ts";
import { MAX_TAGS, type TagList, UpstreamError } from "../upstream/index.ts";
import type { BlobCache } from "./blobs.ts";
import type { CacheContext } from "./context.ts";
import type { ManifestCache } from "./manifests.ts";
import type { SingleFlight } from "./single-flight.ts";
import type { Target } from "./targets.ts";


export interface CachedParts {
  ctx: CacheContext;
  manifests: ManifestCache;
  blobs: BlobCache;
  /** Identical listings asked at once share one upstream listing (each may cost 16 MiB). */
  tagFlights: SingleFlight<TagList>;
  /** The referrers regcache stored for this repository (the same listing as a local one). */
  referrers: Repository["referrers"];
}

/** `admit` throws Denied for a name the upstream's allow/deny refuses, before any upstream request. */
export function cachedRepository(admit: (t: Target) => Target, parts: CachedParts, target: Target): Repository {
  const { ctx, manifests, blobs } = parts;
  const readOnly = async (): Promise<never> => {
    throw new Unsupported(`${target.localName} is a cached repository of upstream "${target.upstream}" and is read-only`);
  };
  return {
    name: target.localName,
    upstream: target.upstream,
    getManifest: async (reference) => manifests.get(admit(target), reference),
    putManifest: readOnly,
    deleteManifest: readOnly,
    getBlob: async (digest, options) => blobs.get(admit(target), digest, options),
    deleteBlob: readOnly,
    startUpload: readOnly,
    mountBlob: readOnly,
    appendChunk: readOnly,
    finishUpload: readOnly,
    uploadStatus: readOnly,
    cancelUpload: readOnly,
    monolithicUpload: readOnly,
    async tags(n, last) {
      admit(target);
      const limit = Math.min(n ?? MAX_TAGS, MAX_TAGS);
      try {
        const client = ctx.upstreams.get(target.upstream)!.client;
        const listed = await parts.tagFlights.run(`${target.localName}\u0000${limit}\u0000${last ?? ""}`, () => client.tags(target.remoteName, { limit, last }));
        const after = listed.tags.filter((t) => last === undefined || t > last).sort();
        return { items: after.slice(0, limit), more: listed.more || after.length > limit };
      } catch (e) {
        if (!(e instanceof UpstreamError)) throw e;
        // A repository the upstream does not know is unknown here too (NAME_UNKNOWN), not an outage.
        if (e.failure === "http-404") throw new NameUnknown(`repository ${target.remoteName} not found at upstream "${target.upstream}"`, { upstream: target.upstream, failure: e.failure });
        const repositoryId = findRepositoryId(ctx.db, target.localName);
        if (repositoryId === undefined) throw e;
        ctx.log.warn("upstream failed; listing cached tags", { upstream: target.upstream, repository: target.remoteName, upstream_failure: e.failure });
        return { items: listTagNames(ctx.db, repositoryId, limit, last) };
      }
    },
    referrers: parts.referrers,
  };
}
