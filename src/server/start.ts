// The composition root of `regcache serve`: opens storage, builds the services
// from the config, starts the HTTP server, and shuts down gracefully.
import { mkdirSync } from "node:fs";
import { BlobStore } from "../blobstore/store.ts";
import { UploadFiles } from "../blobstore/uploads.ts";
import type { Config } from "../config/schema.ts";
import { openDatabase } from "../db/client.ts";
import { createApp } from "../http/app.ts";
import { createPullThrough } from "../cache/service.ts";
import { createAdminApi } from "../api/app.ts";
import { adminAccess } from "../api/access.ts";
import { readAdminToken } from "../config/secrets.ts";
import type { ClientInfo, Platform, RunningServer } from "../platform/types.ts";
import type { RegistryContext } from "../registry/context.ts";
import { createImmutability } from "../registry/immutability/index.ts";
import { immutabilityRoutes } from "../api/immutability.ts";
import { prefetchRoutes } from "../api/prefetch.ts";
import { createPrefetcher } from "../prefetch/service.ts";
import { startUploadSweep } from "../registry/upload-sweep.ts";
import type { Logger } from "../telemetry/log.ts";
import { Metrics } from "../telemetry/metrics.ts";
import { VERSION } from "../version.ts";

export interface Running {
  port: number;
  /** Stops accepting, waits for in-flight transfers up to the grace period, closes the database. */
  shutdown(reason: string): Promise<void>;
}

export async function startServer(config: Config, platform: Platform, log: Logger): Promise<Running> {
  mkdirSync(config.storage.path, { recursive: true });
  const store = new BlobStore(config.storage.path);
  await store.init();
  const database = openDatabase(platform.openSqlite(store.paths.database));
  const metrics = new Metrics();
  const immutability = createImmutability({ db: database.db, log, upstreams: config.upstream.map((u) => u.name) });
  const registry: RegistryContext = {
    db: database.db,
    store,
    uploads: new UploadFiles(store),
    guard: immutability.guard,
    maxManifestBytes: config.server.max_manifest_size,
  };
  // The prefetcher queues what each stored upstream manifest references, and downloads it through the pull-through's single-flight downloads.
  const prefetcher = createPrefetcher({ config, db: database.db, store, log, metrics });
  const pullThrough = createPullThrough({ config, registry, log, metrics, onManifestStored: prefetcher.onManifestStored });
  prefetcher.start(pullThrough);
  const admin = createAdminApi({ registry, log, metrics }, [immutabilityRoutes(immutability), prefetchRoutes(() => prefetcher.api)]);
  const gate = adminAccess({ token: readAdminToken(config.server.admin_token_file), trustedProxies: config.server.trusted_proxies });
  const adminFetch = (request: Request, client: ClientInfo | undefined) => gate(request, client) ?? admin.fetch(request);
  const app = createApp({ registry, platform, log, metrics, pullThrough, extraRoutes: [{ prefix: "/api/v1", fetch: adminFetch }] });

  const stopUploadSweep = startUploadSweep(registry, config.storage.upload_expiry, log);
  const { hostname, port } = config.server.listen;
  const server: RunningServer = await platform.serve({ hostname, port, fetch: (request, client) => app.fetch(request, { client }) });
  log.info("regcache started", { version: VERSION, runtime: platform.runtime, listen: `${hostname}:${server.port}`, storage: config.storage.path, upstreams: config.upstream.map((u) => u.name) });

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) =>
    (stopping ??= (async () => {
      log.info("shutting down", { reason, grace_ms: config.server.shutdown_grace });
      const graceful = server.stop(false);
      const timedOut = await Promise.race([graceful.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), config.server.shutdown_grace))]);
      if (timedOut) {
        log.warn("grace period over; cutting remaining transfers", {});
        await server.stop(true);
      }
      // Unfinished jobs stay queued in SQLite and resume at the next start.
      await prefetcher.stop(1_000);
      await pullThrough.close();
      stopUploadSweep();
      database.close();
      log.info("stopped", {});
    })());
  return { port: server.port, shutdown };
}
