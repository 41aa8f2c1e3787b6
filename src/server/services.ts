// The services of a running regcache, built in one direction: policies, the
// local registry, the prefetch queue, the cache that calls the queue, the
// prefetch workers that download through the cache, the admin API, and what
// the HTTP layer is given. start.ts adds storage and the listener; tests build
// the same graph over a temporary directory (with fake upstream clients).
import { adminAccess } from "../api/access.ts";
import { createAdminApi } from "../api/app.ts";
import { immutabilityRoutes } from "../api/immutability.ts";
import { prefetchRoutes } from "../api/prefetch.ts";
import { bundleRoutes } from "../api/bundles.ts";
import { storageRoutes } from "../api/storage.ts";
import type { Lifecycle } from "../lifecycle/service.ts";
import { createBundles } from "../bundle/service.ts";
import type { BlobStore } from "../blobstore/store.ts";
import { UploadFiles } from "../blobstore/uploads.ts";
import { createPullThrough, type PullThrough } from "../cache/service.ts";
import type { ResolvedConfig, UpstreamSettings } from "../config/resolve.ts";
import type { Db } from "../db/client.ts";
import type { AppDeps } from "../http/context.ts";
import type { ClientInfo } from "../platform/types.ts";
import { createImmutability, type Immutability } from "../policy/index.ts";
import { createPrefetcher, createQueue, type Prefetcher } from "../prefetch/service.ts";
import type { RegistryContext } from "../registry/context.ts";
import { listReferrers } from "../registry/listing.ts";
import type { Logger } from "../telemetry/log.ts";
import { Metrics } from "../telemetry/metrics.ts";
import type { UpstreamClient } from "../upstream/index.ts";
import { repositoryResolver } from "./repositories.ts";

export interface ServiceDeps {
  resolved: ResolvedConfig;
  store: BlobStore;
  db: Db;
  log: Logger;
  now: () => number;
  /** Kept across reloads, so counters go on counting; default: a new one. */
  metrics?: Metrics;
  /** The disk lifecycle (built once per process by start.ts); absent: no /api/v1/storage. */
  lifecycle?: Lifecycle;
  /** Tests inject fake upstream clients; default: the real one. */
  createClient?: (settings: UpstreamSettings) => UpstreamClient;
}

export interface Services {
  metrics: Metrics;
  registry: RegistryContext;
  immutability: Immutability;
  pullThrough: PullThrough;
  /** Not started: the caller starts it once it is ready to serve. */
  prefetcher: Prefetcher;
  /** Who may use the admin API (and, unless status_public, the status page). */
  adminGate: (request: Request, client: ClientInfo | undefined) => Response | undefined;
  /** createApp's options, less the platform, the log and the metrics. */
  http: Pick<AppDeps, "registry" | "repositories" | "extraRoutes" | "pulls">;
}

export function buildServices(deps: ServiceDeps): Services {
  const { resolved, store, db, log, now } = deps;
  const config = resolved.config;
  const metrics = deps.metrics ?? new Metrics();
  const immutability = createImmutability({ db, log, upstreams: config.upstream.map((u) => u.name) });
  const registry: RegistryContext = { db, store, uploads: new UploadFiles(store), guard: immutability.guard, maxManifestBytes: config.server.max_manifest_size, now };
  const queue = createQueue({ config, db, log, now });
  const pullThrough = createPullThrough({
    config,
    upstreams: resolved.upstreams,
    db,
    store,
    guard: immutability.guard,
    log,
    metrics,
    now,
    onManifestStored: queue.onManifestStored,
    referrers: async (name, subject, artifactType) => listReferrers(registry, name, subject, artifactType),
    createClient: deps.createClient,
  });
  const prefetcher = createPrefetcher({ config, db, log, metrics, now, queue, pullThrough });
  const admin = createAdminApi({ registry, log, metrics }, [
    immutabilityRoutes(immutability),
    prefetchRoutes(() => prefetcher.api),
    bundleRoutes(createBundles({ db, store, pullThrough, log, now, guard: immutability.guard, maxManifestBytes: config.server.max_manifest_size, ttlOf: (name) => config.upstream.find((u) => u.name === name)?.ttl ?? 0 })),
    ...(deps.lifecycle ? [storageRoutes(deps.lifecycle)] : []),
  ]);
  // The lifecycle outlives a reload; it pins by this config's prefetch list and this guard.
  deps.lifecycle?.use(config, immutability.guard);
  const gate = adminAccess({ token: resolved.adminToken, trustedProxies: config.server.trusted_proxies });
  const adminFetch = (request: Request, client: ClientInfo | undefined) => gate(request, client) ?? admin.fetch(request);
  return {
    metrics,
    registry,
    immutability,
    pullThrough,
    prefetcher,
    adminGate: gate,
    http: { registry, repositories: repositoryResolver(registry, pullThrough), extraRoutes: [{ prefix: "/api/v1", fetch: adminFetch }], pulls: deps.lifecycle?.pulls },
  };
}
