// The pull-through cache as the HTTP layer sees it: resolve a repository path
// to an upstream, then manifests, blobs and tags of cached repositories.
import type { Config } from "../config/schema.ts";
import { findRepositoryId } from "../db/queries/repositories.ts";
import { listTagNames } from "../db/queries/tags.ts";
import { NameUnknown } from "../repository/errors.ts";
import { MAX_PAGE } from "../registry/listing.ts";
import type { RegistryContext } from "../registry/context.ts";
import type { Logger } from "../telemetry/log.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import { UpstreamError } from "../upstream/index.ts";
import { BlobCache, type BlobOutcome } from "./blobs.ts";
import type { CacheContext, CachedUpstream, ManifestStoredHook } from "./context.ts";
import { BlobDownloads } from "./downloads.ts";
import { ManifestCache, type ManifestOutcome } from "./manifests.ts";
import { cacheMetrics } from "./metrics.ts";
import { resolveTarget, type Target } from "./targets.ts";
import { buildUpstream } from "./upstreams.ts";

export type { BlobOutcome, ManifestOutcome, Target };

export interface PullThrough {
  /** The upstream serving `name` (with containerd's ?ns=), or undefined for a local repository. */
  resolve(name: string, ns: string | undefined, forWrite: boolean): Target | undefined;
  /** `revalidate`: ask the upstream about a tag even while it is fresh. */
  manifest(target: Target, reference: string, options?: { revalidate?: boolean }): Promise<ManifestOutcome>;
  blob(target: Target, digest: string, method: "GET" | "HEAD", wantsRange: boolean): Promise<BlobOutcome>;
  /** Tags at the upstream; the cached tags when the upstream fails. */
  tags(target: Target, n: number | undefined, last: string | undefined): Promise<string[]>;
  readonly context: CacheContext;
  close(): Promise<void>;
}

export interface PullThroughDeps {
  config: Config;
  registry: RegistryContext;
  log: Logger;
  metrics: Metrics;
  now?: () => number;
  onManifestStored?: ManifestStoredHook;
}

export function createPullThrough(deps: PullThroughDeps): PullThrough {
  const upstreams = new Map<string, CachedUpstream>(deps.config.upstream.map((u, i) => [u.name, buildUpstream(u, i)]));
  const metrics = cacheMetrics(deps.metrics);
  const ctx: CacheContext = {
    registry: deps.registry,
    upstreams,
    downloads: new BlobDownloads({ store: deps.registry.store, db: deps.registry.db, log: deps.log, metrics }),
    log: deps.log,
    metrics,
    now: deps.now ?? Date.now,
    onManifestStored: deps.onManifestStored ?? (() => {}),
  };
  const manifests = new ManifestCache(ctx);
  const blobs = new BlobCache(ctx);
  const names = [...upstreams.keys()];

  return {
    context: ctx,
    resolve: (name, ns, forWrite) =>
      resolveTarget(name, ns, forWrite, {
        upstreams: names,
        defaultUpstream: deps.config.server.default_upstream,
        isLocalRepository: (n) => findRepositoryId(deps.registry.db, n) !== undefined,
      }),
    manifest: (target, reference, options) => manifests.get(target, reference, options),
    blob: (target, digest, method, wantsRange) => blobs.get(target, digest, method, wantsRange),
    async tags(target, n, last) {
      const limit = Math.min(n ?? MAX_PAGE, MAX_PAGE);
      try {
        const all = (await upstreams.get(target.upstream)!.client.tags(target.remoteName)).sort();
        return all.filter((t) => last === undefined || t > last).slice(0, limit);
      } catch (e) {
        if (!(e instanceof UpstreamError)) throw e;
        // A repository the upstream does not know is unknown here too (NAME_UNKNOWN), not an outage.
        if (e.failure === "http-404") throw new NameUnknown(`repository ${target.remoteName} not found at upstream "${target.upstream}"`, { upstream: target.upstream, failure: e.failure });
        const repositoryId = findRepositoryId(deps.registry.db, target.localName);
        if (repositoryId === undefined) throw e;
        deps.log.warn("upstream failed; listing cached tags", { upstream: target.upstream, repository: target.remoteName, upstream_failure: e.failure });
        return listTagNames(deps.registry.db, repositoryId, limit, last);
      }
    },
    async close() {
      await Promise.all([...upstreams.values()].map((u) => u.client.close().catch(() => {})));
    },
  };
}
