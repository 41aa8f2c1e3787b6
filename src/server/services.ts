// The services of a running regcache, built in one direction: policies, the
// local registry, the prefetch queue, the cache that calls the queue, the
// prefetch workers that download through the cache, the admin API, and what
// the HTTP layer is given. start.ts adds storage and the listener; tests build
// the same graph over a temporary directory (with fake upstream clients).
import { adminAccess, crossSiteRefusal } from "../api/access.ts";
import { hasAdminToken } from "../api/admin-token.ts";
import { createAuth, type AuthService } from "../auth/service.ts";
import type { TokenKey } from "../auth/token-key.ts";
import type { LoginThrottle } from "../auth/login-throttle.ts";
import { passthroughCheck, type Confirmations, type PassthroughRepository } from "../auth/passthrough.ts";
import { createAdminApi } from "../api/app.ts";
import { immutabilityRoutes } from "../api/immutability.ts";
import { prefetchRoutes } from "../api/prefetch.ts";
import { bundleRoutes } from "../api/bundles.ts";
import { scrubRoutes } from "../api/scrub.ts";
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
import { createScrubber, type Scrubber } from "../scrub/service.ts";
import type { ScrubRuns } from "../scrub/runs.ts";
import { repositoryResolver } from "./repositories.ts";

export interface ServiceDeps {
  resolved: ResolvedConfig;
  store: BlobStore;
  db: Db;
  log: Logger;
  now: () => number;
  /** Kept across reloads, so counters go on counting; default: a new one. */
  metrics?: Metrics;
  /** The token signing key (loaded once by start.ts); needed when the config has [auth]. */
  tokenKey?: TokenKey;
  /** The /token password-guessing throttle (kept across reloads by start.ts). */
  loginThrottle?: LoginThrottle;
  /** passthrough upstreams' confirmations (kept across reloads by start.ts). */
  confirmations?: Confirmations;
  /** The disk lifecycle (built once per process by start.ts); absent: no /api/v1/storage. */
  lifecycle?: Lifecycle;
  /** Tests inject fake upstream clients; default: the real one. */
  createClient?: (settings: UpstreamSettings) => UpstreamClient;
  /** The scrub's run state, kept across reloads so only one scrub ever runs; default: a new one. */
  scrubRuns?: ScrubRuns;
}

export interface Services {
  metrics: Metrics;
  registry: RegistryContext;
  immutability: Immutability;
  pullThrough: PullThrough;
  /** Not started: the caller starts it once it is ready to serve. */
  prefetcher: Prefetcher;
  /** Not started: the caller starts its schedule with the prefetcher's. */
  scrub: Scrubber;
  /** Who may use the admin API (and, unless status_public, the status page). */
  adminGate: (request: Request, client: ClientInfo | undefined) => Response | undefined;
  /** issue 12: undefined without [auth]. */
  auth?: AuthService;
  /** createApp's options, less the platform, the log and the metrics. */
  http: Pick<AppDeps, "registry" | "repositories" | "extraRoutes" | "auth" | "pulls">;
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
  const scrub = createScrubber({
    db,
    store,
    log,
    metrics,
    schedule: config.storage.scrub_schedule,
    rate: config.storage.scrub_rate,
    upstreams: config.upstream.map((u) => u.name),
    // Cached blobs the scrub removed are queued at once while the upstream is up, rather than at the next sweep.
    refetch: () => void prefetcher.api.sweep(),
    runs: deps.scrubRuns,
  });
  const admin = createAdminApi({ registry, log, metrics }, [
    immutabilityRoutes(immutability),
    prefetchRoutes(() => prefetcher.api),
    scrubRoutes(() => scrub),
    bundleRoutes(createBundles({ db, store, pullThrough, log, now, guard: immutability.guard, maxManifestBytes: config.server.max_manifest_size, ttlOf: (name) => config.upstream.find((u) => u.name === name)?.ttl ?? 0 })),
    ...(deps.lifecycle ? [storageRoutes(deps.lifecycle)] : []),
  ]);
  // The lifecycle outlives a reload; it pins by this config's prefetch list and this guard.
  deps.lifecycle?.use(config, immutability.guard);
  const gate = adminAccess({ token: resolved.adminToken, trustedProxies: config.server.trusted_proxies });
  const auth = buildAuth(deps, pullThrough);
  const adminFetch = async (request: Request, client: ClientInfo | undefined) => {
    if (auth && (await hasAdminToken(auth, request))) return crossSiteRefusal(request) ?? admin.fetch(request);
    return gate(request, client) ?? admin.fetch(request);
  };
  return {
    metrics,
    registry,
    immutability,
    pullThrough,
    prefetcher,
    scrub,
    adminGate: gate,
    auth,
    http: { registry, repositories: repositoryResolver(registry, pullThrough), extraRoutes: [{ prefix: "/api/v1", fetch: adminFetch }], auth, pulls: deps.lifecycle?.pulls },
  };
}

/** issue 12: [auth] over the resolved users and rules; [[access]] globs see the full name (upstream prefix included). */
function buildAuth(deps: ServiceDeps, pullThrough: PullThrough): AuthService | undefined {
  const resolved = deps.resolved.auth;
  if (!resolved) return undefined;
  if (!deps.tokenKey) throw new Error("[auth] is configured but no token key was loaded");
  const canonical = (name: string, ns?: string) => {
    try {
      return pullThrough.resolve(name, ns, false)?.localName ?? name;
    } catch {
      return name; // an unknown ?ns=: the handler answers it; the name itself is what the rules see
    }
  };
  const config = deps.resolved.config;
  /** A full name on an upstream with auth = "passthrough": its policy and how to ask it. */
  const lookup = (name: string): PassthroughRepository | undefined => {
    const target = (() => {
      try {
        return pullThrough.resolve(name, undefined, false);
      } catch {
        return undefined;
      }
    })();
    const u = target && config.upstream.find((x) => x.name === target.upstream);
    const ask = target && u?.auth === "passthrough" ? pullThrough.passthrough(target) : undefined;
    if (!ask || !u) return undefined;
    return { policy: { authCacheMs: u.auth_cache, outageAccess: u.outage_access, outageWindowMs: u.outage_window }, ...ask };
  };
  const confirmations = deps.confirmations;
  const passthrough = confirmations && config.upstream.some((u) => u.auth === "passthrough")
    ? passthroughCheck({ lookup, confirmations, now: deps.now, log: (msg, fields) => deps.log.warn(msg, fields) })
    : undefined;
  return createAuth({ resolved, key: deps.tokenKey, canonical, now: deps.now, passthrough, isPassthrough: (name) => lookup(name) !== undefined, throttle: deps.loginThrottle, trustedProxies: config.server.trusted_proxies });
}
