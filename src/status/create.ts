// Builds the operator surface of a running server from its config and storage:
// the one call the composition root makes (server/start.ts).
import type { Config } from "../config/schema.ts";
import type { Db } from "../db/client.ts";
import { pingDatabase } from "../db/queries/status.ts";
import { liveStatusSource } from "./live-source.ts";
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
  /** The admin API's access rule; used unless server.status_public. */
  adminGate: Gate;
}

export function createOperator(o: OperatorOptions): OperatorSurface & { readiness: Readiness } {
  const recorder = new StatusRecorder();
  const names = new Set(o.config.upstream.map((u) => u.name));
  // storage.max_size is not in the config yet; when a quota lands, the bar is drawn against it.
  const maxSize = (o.config.storage as { max_size?: number }).max_size;
  const source = liveStatusSource({ db: o.db, recorder, upstreams: o.config.upstream, storagePath: o.config.storage.path, maxSize });
  const readiness = createReadiness({ pingDatabase: () => pingDatabase(o.db), tmpDir: o.tmpDir });
  return {
    readiness,
    onRequest({ ns, ...r }) {
      const cached = r.cache !== undefined || r.upstreamFailure !== undefined;
      recorder.record({ ...r, upstream: cached ? upstreamOf(r.path, ns, names, o.config.server.default_upstream) : undefined });
    },
    ready: () => readiness.check(),
    status: statusHandler(source, o.version, o.config.server.status_public ? undefined : o.adminGate),
  };
}
