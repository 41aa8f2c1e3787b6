// The composition root of `regcache serve`: opens storage, builds the services
// from the config, starts the HTTP server, and shuts down gracefully.
import { mkdirSync } from "node:fs";
import { BlobStore } from "../blobstore/store.ts";
import type { ResolvedConfig } from "../config/resolve.ts";
import type { Config } from "../config/schema.ts";
import { openDatabase } from "../db/client.ts";
import { createApp } from "../http/app.ts";
import type { Platform, RunningServer } from "../platform/types.ts";
import { startUploadSweep } from "../registry/upload-sweep.ts";
import type { Logger } from "../telemetry/log.ts";
import { VERSION } from "../version.ts";
import { createOperator } from "../status/create.ts"; // operator (issue 15)
import { buildServices } from "./services.ts";

export interface Running {
  port: number;
  /** Stops accepting, waits for in-flight transfers up to the grace period, closes the database. */
  shutdown(reason: string): Promise<void>;
}

export async function startServer(resolved: ResolvedConfig, platform: Platform, log: Logger, now: () => number = Date.now): Promise<Running> {
  const config: Config = resolved.config;
  mkdirSync(config.storage.path, { recursive: true });
  const store = new BlobStore(config.storage.path);
  await store.init();
  const database = openDatabase(platform.openSqlite(store.paths.database));
  const services = buildServices({ resolved, store, db: database.db, log, now });
  const { pullThrough, prefetcher } = services;
  prefetcher.start();
  const operator = createOperator({ config, db: database.db, tmpDir: store.paths.tmp, version: VERSION, adminGate: services.adminGate }); // operator (issue 15)
  const app = createApp({ ...services.http, platform, log, metrics: services.metrics, operator });

  const stopUploadSweep = startUploadSweep(services.registry, config.storage.upload_expiry, log);
  const { hostname, port } = config.server.listen;
  const server: RunningServer = await platform.serve({ hostname, port, fetch: (request, client) => app.fetch(request, { client }) });
  log.info("regcache started", { version: VERSION, runtime: platform.runtime, listen: `${hostname}:${server.port}`, storage: config.storage.path, upstreams: config.upstream.map((u) => u.name) });

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) =>
    (stopping ??= (async () => {
      log.info("shutting down", { reason, grace_ms: config.server.shutdown_grace });
      operator.readiness.markShuttingDown(); // operator (issue 15): /readyz answers 503 from here on
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
