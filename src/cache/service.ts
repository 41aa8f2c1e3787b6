// The pull-through cache, closed: the HTTP layer gets a Repository per cached
// name, the prefetcher a narrow API (manifests.get, blobs.fetch, the upstream
// reads it needs). Nothing outside src/cache reaches its internals.
import type { BlobStore } from "../blobstore/store.ts";
import type { Config } from "../config/schema.ts";
import type { UpstreamSettings } from "../config/resolve.ts";
import type { Db } from "../db/client.ts";
import { MANIFEST_TYPES } from "../oci/media-types.ts";
import type { TagGuard } from "../repository/guard.ts";
import type { Repository } from "../repository/types.ts";
import type { Logger } from "../telemetry/log.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import { createUpstreamClient, type TagList, UpstreamError, type UpstreamClient } from "../upstream/index.ts";
import type { Credentials } from "../upstream/auth.ts";
import { SingleFlight } from "./single-flight.ts";
import { BlobCache } from "./blobs.ts";
import type { CacheContext, CachedUpstream, ManifestStoredHook } from "./context.ts";
import { type BodyFilter, BlobDownloads } from "./downloads.ts";
import { ManifestCache, type ManifestOutcome } from "./manifests.ts";
import { cacheMetrics } from "./metrics.ts";
import { cachedRepository } from "./repository.ts";
import { clientWithMirrors } from "./mirror-clients.ts";
import { nameFilter } from "./name-filter.ts";
import { nsNamesOf, resolveTarget, type Target } from "./targets.ts";
import { Denied } from "../repository/errors.ts";

export type { BodyFilter, ManifestOutcome, Target };
export { mirrorOpenGauge } from "./mirror-clients.ts";

/** A job or a request names an upstream that is not (or no longer) configured. */
export class UnknownUpstream extends Error {
  /** The failure class the prefetch queue, the log and /metrics show. */
  readonly failure = "config";
  constructor(readonly upstream: string) {
    super(`no [[upstream]] named ${JSON.stringify(upstream)} is configured`);
    this.name = "UnknownUpstream";
  }
}

export interface PullThrough {
  /** The upstream serving `name` (with containerd's ?ns=), or undefined for a local repository. */
  resolve(name: string, ns: string | undefined, forWrite: boolean): Target | undefined;
  /** The cached repository of a resolved target, for the HTTP layer. */
  repository(target: Target): Repository;
  /** The target of a stored repository name of `upstream` ("docker.io/library/nginx"); throws UnknownUpstream. */
  target(upstream: string, localName: string, remoteName?: string): Target;
  upstreamNames(): readonly string[];
  manifests: {
    /** `revalidate`: ask the upstream about a tag even while it is fresh. */
    get(target: Target, reference: string, options?: { revalidate?: boolean }): Promise<ManifestOutcome>;
  };
  blobs: {
    /** Is the blob stored for this repository? */
    has(target: Target, digest: string): boolean;
    /**
     * Puts a blob in the store: joins the download from this upstream or starts one
     * (`filter` applies to a download this call starts). Resolves to its size and
     * whether this call started the download.
     */
    fetch(target: Target, digest: string, options?: { filter?: BodyFilter }): Promise<{ size: number; started: boolean }>;
    /** Bytes a running download of `digest` from `upstream` has written, if one runs. */
    progress(upstream: string, digest: string): number | undefined;
  };
  /** Upstream reads the prefetcher needs besides manifests and blobs. */
  upstream: {
    /** Every tag of the repository at the upstream. */
    tags(target: Target): Promise<string[]>;
    /** The upstream's referrers index for `digest`, or undefined when it has no referrers API. */
    referrers(target: Target, digest: string): Promise<Uint8Array | undefined>;
    /** The digest a tag points at (one HEAD), or undefined when the tag does not exist. */
    tagDigest(target: Target, tag: string): Promise<string | undefined>;
  };
  /** issue 12: for a target of an upstream with auth = "passthrough", asking it about a client's credentials; else undefined. */
  passthrough(target: Target): { confirm(credentials: Credentials): Promise<boolean>; remember(credentials: Credentials): void } | undefined;
  /** Waits up to `waitMs` for running downloads to be stored (default 5 s), then closes the upstream connections. */
  close(waitMs?: number): Promise<void>;
}

export interface PullThroughDeps {
  config: Config;
  /** Upstream clients' settings, secrets read (config/resolve.ts). */
  upstreams: readonly UpstreamSettings[];
  db: Db;
  store: BlobStore;
  guard: TagGuard;
  log: Logger;
  metrics: Metrics;
  now: () => number;
  onManifestStored?: ManifestStoredHook;
  /** Referrers stored for a repository (the registry's listing, shared by both kinds). */
  referrers: (name: string, subject: string, artifactType: string | undefined) => ReturnType<Repository["referrers"]>;
  /** Builds an upstream's client; tests inject fakes. Default: the real undici client. */
  createClient?: (settings: UpstreamSettings) => UpstreamClient;
}

export function createPullThrough(deps: PullThroughDeps): PullThrough {
  const build = deps.createClient ?? createUpstreamClient;
  const byName = new Map(deps.config.upstream.map((u) => [u.name, u]));
  const upstreams = new Map<string, CachedUpstream>(
    deps.upstreams.map((s) => {
      const u = byName.get(s.name)!;
      return [s.name, { name: s.name, client: clientWithMirrors(s, u.remote_namespace, build, deps), freshness: { ttlMs: u.ttl, stalenessMs: u.staleness, staleIfError: u.stale_if_error } }];
    }),
  );
  const metrics = cacheMetrics(deps.metrics);
  const ctx: CacheContext = {
    db: deps.db,
    store: deps.store,
    guard: deps.guard,
    maxManifestBytes: deps.config.server.max_manifest_size,
    upstreams,
    downloads: new BlobDownloads({ store: deps.store, db: deps.db, log: deps.log, metrics, now: deps.now, maxBlobBytes: deps.config.storage.max_blob_size }),
    log: deps.log,
    metrics,
    now: deps.now,
    onManifestStored: deps.onManifestStored ?? (() => {}),
  };
  const manifests = new ManifestCache(ctx);
  const tagFlights = new SingleFlight<TagList>();
  const blobs = new BlobCache(ctx);
  const names = [...upstreams.keys()];
  const clientOf = (t: Target) => upstreams.get(t.upstream)!.client;
  const routes = deps.config.upstream.map((u) => ({ name: u.name, nsNames: nsNamesOf(u.url, u.aliases), remoteNamespace: u.remote_namespace }));
  const filters = new Map(deps.config.upstream.map((u) => [u.name, nameFilter(u.allow, u.deny)]));
  /** Throws Denied before any upstream request for a name the upstream's allow/deny refuses. */
  const admit = (t: Target): Target => {
    const refusal = filters.get(t.upstream)!(t.localName.slice(t.upstream.length + 1));
    if (refusal) throw new Denied(`${t.localName} may not be pulled through this cache: ${refusal} of upstream "${t.upstream}"`);
    return t;
  };

  return {
    resolve: (name, ns, forWrite) =>
      resolveTarget(name, ns, forWrite, {
        upstreams: routes,
        defaultUpstream: deps.config.server.default_upstream,
        localNamespaces: deps.config.server.local_namespaces,
      }),
    repository: (target) => cachedRepository(admit,{ ctx, manifests, blobs, tagFlights, referrers: (subject, artifactType) => deps.referrers(target.localName, subject, artifactType) }, target),
    target(upstream, localName, remoteName) {
      if (!upstreams.has(upstream)) throw new UnknownUpstream(upstream);
      const route = routes.find((r) => r.name === upstream)!;
      const name = localName.slice(upstream.length + 1);
      return { upstream, remoteName: remoteName ?? (route.remoteNamespace ? `${route.remoteNamespace}/${name}` : name), localName };
    },
    upstreamNames: () => names,
    manifests: { get: (target, reference, options) => manifests.get(admit(target), reference, options) },
    blobs: {
      has: (target, digest) => blobs.stored(target, digest) !== undefined,
      async fetch(target, digest, options = {}) {
        admit(target);
        // A file under blobs/ is complete and verified (it is renamed in only after that);
        // one without a row was promoted just before a crash. Keep it rather than fetch it again.
        const onDisk = ctx.downloads.find(target.upstream, digest) ? undefined : await deps.store.size(digest);
        if (onDisk !== undefined) {
          ctx.downloads.record(target, digest, onDisk);
          return { size: onDisk, started: false };
        }
        const started = ctx.downloads.find(target.upstream, digest) === undefined;
        const download = ctx.downloads.get(target, digest, clientOf(target), options.filter);
        return { size: await download.finished, started };
      },
      progress: (upstream, digest) => ctx.downloads.find(upstream, digest)?.written,
    },
    upstream: {
      tags: async (target) => (await clientOf(admit(target)).tags(target.remoteName)).tags,
      referrers: (target, digest) => clientOf(admit(target)).referrers(target.remoteName, digest),
      async tagDigest(target, tag) {
        admit(target);
        try {
          return (await clientOf(target).manifest(target.remoteName, tag, "HEAD", [...MANIFEST_TYPES])).digest;
        } catch (e) {
          if (e instanceof UpstreamError && e.failure === "http-404") return undefined;
          throw e;
        }
      },
    },
    passthrough(target) {
      const client = upstreams.get(target.upstream)?.client;
      if (!client?.confirmAccess || !client.acceptCredentials) return undefined;
      return {
        confirm: (credentials) => client.confirmAccess!(target.remoteName, credentials),
        remember: (credentials) => client.acceptCredentials!(target.remoteName, credentials),
      };
    },
    async close(waitMs = 5_000) {
      // Clients may already have every verified byte of a download whose file is still being
      // synced and recorded: let that finish before the database goes.
      await ctx.downloads.settled(waitMs);
      await Promise.all([...upstreams.values()].map((u) => u.client.close().catch(() => {})));
    },
  };
}
