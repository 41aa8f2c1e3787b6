// The composition root of `regcache serve`: opens storage, builds the services
// from the config, starts the HTTP server, and shuts down gracefully.
import { mkdirSync } from "node:fs";
import { threadedSinks } from "../blobstore/sinks.ts";
import { BlobStore } from "../blobstore/store.ts";
import { ConfigError } from "../config/load.ts";
import type { ResolvedConfig } from "../config/resolve.ts";
import type { Config } from "../config/schema.ts";
import { openDatabase } from "../db/client.ts";
import { keepWal } from "../db/wal-keeper.ts";
import { createApp } from "../http/app.ts";
import type { Platform, RunningServer } from "../platform/types.ts";
import { startUploadSweep } from "../registry/upload-sweep.ts";
import type { Logger } from "../telemetry/log.ts";
import { VERSION } from "../version.ts";
import { createOperator } from "../status/create.ts"; // operator (issue 15)
import { mirrorOpenGauge } from "../cache/service.ts";
import { ScrubRuns } from "../scrub/runs.ts";
import { buildServices } from "./services.ts";
import { loadOrCreateTokenKey, type TokenKey } from "../auth/token-key.ts";
import { Confirmations } from "../auth/passthrough.ts";
import { createLoginThrottle } from "../auth/login-throttle.ts";
import { confirmationAt, deleteConfirmation, pruneConfirmations, recordConfirmation } from "../db/queries/passthrough-confirmations.ts";
import type { Db } from "../db/client.ts";
import { certificateFields, startTlsReloader, type TlsReloader } from "./tls-reload.ts";
import { createLifecycle } from "../lifecycle/service.ts";
import { Metrics } from "../telemetry/metrics.ts";

export interface Running {
  port: number;
  /**
   * Applies a new config (SIGHUP): upstreams, ttl and staleness, schedules, prefetch lists,
   * policies' upstreams, status and admin settings. Requests in flight finish on the old
   * settings; new ones get the new. A renewed TLS certificate is served to new connections.
   * listen, storage.path and turning TLS on or off need a restart: ConfigError.
   */
  reload(resolved: ResolvedConfig, label: string): Promise<void>;
  /** Stops accepting, waits for in-flight transfers up to the grace period, closes the database. */
  shutdown(reason: string): Promise<void>;
}

export async function startServer(resolved: ResolvedConfig, platform: Platform, log: Logger, now: () => number = Date.now): Promise<Running> {
  let config: Config = resolved.config;
  mkdirSync(config.storage.path, { recursive: true });
  const store = new BlobStore(config.storage.path);
  await store.init();
  // Blob bytes are hashed and written on a thread of their own, so the event loop keeps
  // only the sockets (issue 16). If the thread fails, the store writes on the event loop.
  const blobWriter = platform.startBlobWriter?.();
  if (blobWriter) {
    blobWriter.onFailure = (e) => log.warn("blob writer thread failed; writing blobs on the main thread from now on", { error: e.message });
    store.sinks = threadedSinks(blobWriter);
  }
  const database = openDatabase(platform.openSqlite(store.paths.database));
  // WAL checkpoints on a worker thread, not inside whichever commit crosses 1,000 pages.
  const walKeeper = platform.startCheckpointer ? keepWal(database.db, platform.startCheckpointer(store.paths.database), log) : undefined;
  // One scrub at a time, whatever reloads happen while it runs.
  const scrubRuns = new ScrubRuns();
  // issue 12: the token key is made at the first start with [auth] and kept for good (a reload
  // that adds [auth] makes it then).
  let tokenKey: TokenKey | undefined = resolved.auth ? await loadOrCreateTokenKey(config.storage.path) : undefined;
  // passthrough upstreams' yes per (credential, repository), kept across reloads, and in the
  // database (HMAC ids under a key derived from the token key) across restarts.
  let confirmations = tokenKey ? passthroughConfirmations(database.db, tokenKey, resolved.config, now) : undefined;
  const loginThrottle = createLoginThrottle({ now });
  // Disk lifecycle (issue 11): reconcile rows and files, measure, and put the quota on the
  // write path before the first request; it lives across reloads (its byte account does).
  const metrics = new Metrics();
  const lifecycle = createLifecycle({ config, db: database.db, store, log, metrics, now });
  await lifecycle.start();
  let services = buildServices({ resolved, store, db: database.db, log, now, metrics, lifecycle, scrubRuns, tokenKey, confirmations, loginThrottle });
  services.prefetcher.start();
  services.scrub.start();
  // The status page shows each mirror's circuit as the cache's gauge has it (kept across reloads).
  const mirrorOpen = mirrorOpenGauge(services.metrics);
  const mirrorSkipped = (upstream: string, mirror: string) => mirrorOpen.get({ upstream, mirror }) === 1;
  const operator = createOperator({ config, db: database.db, tmpDir: store.paths.tmp, version: VERSION, adminGate: services.adminGate, mirrorSkipped, disk: () => lifecycle.diskUse() }); // operator (issue 15)
  // The app reads the services through `services` at each request, so a reload swaps them
  // for new requests while those in flight keep the repositories they already resolved.
  const app = createApp({
    get registry() {
      return services.http.registry;
    },
    repositories: (name, ns, forWrite) => services.http.repositories(name, ns, forWrite),
    get auth() {
      return services.http.auth;
    },
    pulls: lifecycle.pulls,
    extraRoutes: [{ prefix: "/api/v1", fetch: (request, client) => services.http.extraRoutes![0]!.fetch(request, client) }],
    platform,
    log,
    metrics: services.metrics,
    operator,
  });

  let stopUploadSweep = startUploadSweep(services.registry, config.storage.upload_expiry, log);
  const { hostname, port } = config.server.listen;
  const tls = resolved.tls ? { cert: resolved.tls.certPem, key: resolved.tls.keyPem } : undefined;
  const server: RunningServer = await platform.serve({ hostname, port, tls, fetch: (request, client) => app.fetch(request, { client }) });
  let tlsReloader: TlsReloader | undefined;
  if (resolved.tls) {
    log.info("tls certificate loaded", certificateFields(resolved.tls));
    tlsReloader = startTlsReloader({ server, initial: resolved.tls, log, metrics: services.metrics, settings: () => ({ cert: config.server.tls_cert, key: config.server.tls_key, intervalMs: config.server.tls_watch_interval }) });
  } else {
    log.warn("serving plain HTTP: clients must be told this registry is insecure; set server.tls_cert and server.tls_key for HTTPS", {});
  }
  log.info("regcache started", { version: VERSION, runtime: platform.runtime, listen: `${hostname}:${server.port}`, scheme: tls ? "https" : "http", storage: config.storage.path, upstreams: config.upstream.map((u) => u.name), auth: resolved.auth ? "token" : "off" });

  const reload = async (next: ResolvedConfig, label: string) => {
    const c = next.config;
    if (c.server.listen.hostname !== hostname || c.server.listen.port !== port) throw new ConfigError(`${label}: server.listen: changing it needs a restart; the running server keeps ${hostname}:${port}`);
    if (c.storage.path !== config.storage.path) throw new ConfigError(`${label}: storage.path: changing it needs a restart; the running server keeps ${config.storage.path}`);
    if (Boolean(next.tls) !== Boolean(resolved.tls)) throw new ConfigError(`${label}: server.tls_cert: turning HTTPS ${next.tls ? "on" : "off"} needs a restart; the running server keeps ${resolved.tls ? "HTTPS" : "plain HTTP"}`);
    if (c.server.log_level !== config.server.log_level) log.warn("server.log_level changes need a restart; keeping the running level", { running: config.server.log_level, configured: c.server.log_level });
    // First, as it is the one step that can fail: a new listener for a renewed certificate.
    if (next.tls) await tlsReloader!.apply(next.tls, "SIGHUP");
    const old = services;
    if (next.auth) tokenKey ??= await loadOrCreateTokenKey(config.storage.path);
    if (tokenKey) confirmations ??= passthroughConfirmations(database.db, tokenKey, c, now);
    const fresh = buildServices({ resolved: next, store, db: database.db, log, now, metrics: old.metrics, lifecycle, scrubRuns, tokenKey, confirmations, loginThrottle });
    services = fresh;
    config = c;
    fresh.prefetcher.start();
    await old.scrub.stop();
    fresh.scrub.start();
    operator.reconfigure(c, fresh.adminGate);
    stopUploadSweep();
    stopUploadSweep = startUploadSweep(fresh.registry, c.storage.upload_expiry, log);
    // The old cache finishes what it started: its downloads run to the end (their bytes are
    // verified and stored like any other), then its connection pools close. Its prefetch
    // jobs stay in the queue, which the new workers take over.
    void old.prefetcher.stop(1_000).then(() => old.pullThrough.close(6 * 3_600_000));
    log.info("config reloaded", { upstreams: c.upstream.map((u) => u.name), ...(next.auth ? { auth_users: next.auth.users.size, access_rules: next.auth.access.length } : {}) });
  };

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) =>
    (stopping ??= (async () => {
      log.info("shutting down", { reason, grace_ms: config.server.shutdown_grace });
      operator.readiness.markShuttingDown(); // operator (issue 15): /readyz answers 503 from here on
      tlsReloader?.stop();
      const graceful = server.stop(false);
      const timedOut = await Promise.race([graceful.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), config.server.shutdown_grace))]);
      if (timedOut) {
        log.warn("grace period over; cutting remaining transfers", {});
        await server.stop(true);
      }
      // A running scrub stops between two chunks; the next scheduled one continues after its last blob.
      await services.scrub.stop();
      await scrubRuns.stop();
      // Unfinished jobs stay queued in SQLite and resume at the next start.
      await services.prefetcher.stop(1_000);
      await services.pullThrough.close(1_000);
      stopUploadSweep();
      await lifecycle.stop();
      await walKeeper?.stop();
      await blobWriter?.close();
      database.close();
      log.info("stopped", {});
    })());
  return { port: server.port, reload, shutdown };
}

/** issue 12: the confirmations store over the database; rows older than any outage_window (at least a day) go at start. */
function passthroughConfirmations(db: Db, key: TokenKey, config: Config, now: () => number): Confirmations {
  const keep = Math.max(86_400_000, ...config.upstream.map((u) => u.outage_window));
  pruneConfirmations(db, now() - keep);
  return new Confirmations({
    key: key.derivedSecret,
    store: { get: (id) => confirmationAt(db, id), put: (id, at) => recordConfirmation(db, id, at), delete: (id) => deleteConfirmation(db, id) },
  });
}
