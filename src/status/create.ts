// Builds the operator surface of a running server from its config and storage:
// the one call the composition root makes (server/start.ts).
import type { Config } from "../config/schema.ts";
import type { Db } from "../db/client.ts";
import { pingDatabase } from "../db/queries/status.ts";
import { liveStatusSource, type LiveSourceOptions } from "./live-source.ts";
import type { OperatorSurface } from "./operator.ts";
import { createReadiness, type Readiness } from "./readiness.ts";
import { StatusRecorder } from "./recorder.ts";
import { statusHandler, type Gate } from "./routes.ts";
import { upstreamOf } from "./upstream-of.ts";

export interface OperatorOptions {
  config: Config;
  db: Db;
  /** The blob store's tmp dir, where /readyz tries a write. */
  tmpDir: string;
  version: string;
  /** Is a mirror of an upstream skipped right now (the cache's circuit)? */
  mirrorSkipped?: (upstream: string, mirrorUrl: string) => boolean;
  /** The admin API's access rule; used unless server.status_public. */
  adminGate: Gate;
  /** The store's running byte account (the disk lifecycle's). */
  disk: LiveSourceOptions["disk"];
}

export function createOperator(o: OperatorOptions): OperatorSurface & { readiness: Readiness; reconfigure(config: Config, adminGate: Gate): void } {
  // The recorder and readiness outlive a reload (SIGHUP): the last hour's figures stay.
  const recorder = new StatusRecorder();
  const readiness = createReadiness({ pingDatabase: () => pingDatabase(o.db), tmpDir: o.tmpDir });
  const configured = (config: Config, adminGate: Gate) => {
    const source = liveStatusSource({ db: o.db, recorder, upstreams: config.upstream, disk: o.disk, mirrorSkipped: o.mirrorSkipped });
    return {
      config,
      names: new Set(config.upstream.map((u) => u.name)),
      status: statusHandler(source, o.version, config.server.status_public ? undefined : adminGate),
    };
  };
  let current = configured(o.config, o.adminGate);
  return {
    readiness,
    onRequest({ ns, ...r }) {
      const cached = r.cache !== undefined || r.upstreamFailure !== undefined;
      recorder.record({ ...r, upstream: cached ? upstreamOf(r.path, ns, current.names, current.config.server.default_upstream) : undefined });
    },
    ready: () => readiness.check(),
    status: (request, client) => current.status(request, client),
    reconfigure(config, adminGate) {
      current = configured(config, adminGate);
    },
  };
}
