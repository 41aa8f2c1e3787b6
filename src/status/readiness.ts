// /readyz: may this process take traffic? The database answers a trivial
// SELECT, the store's tmp dir takes a tiny write (a full or read-only disk
// shows here before a pull fails on it), and it is not shutting down. The disk
// probe is kept for a second, so a load balancer polling hard cannot turn the
// probe itself into disk load; concurrent probes share one check.
import { unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface ReadyReport {
  ready: boolean;
  checks: { database: string; store: string; shutdown: string };
}

export interface Readiness {
  check(): Promise<ReadyReport>;
  /** From now on /readyz answers 503 (called when shutdown starts). */
  markShuttingDown(): void;
}

const KEEP_MS = 1_000;

const describe = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 200);

export function createReadiness(options: { pingDatabase: () => void; tmpDir: string }): Readiness {
  let shuttingDown = false;
  let store: { at: number; result: Promise<string> } | undefined;
  const probeFile = join(options.tmpDir, `.readyz-${process.pid}`);

  const probeStore = async (): Promise<string> => {
    try {
      await writeFile(probeFile, "ok");
      await unlink(probeFile);
      return "ok";
    } catch (e) {
      return `not writable: ${describe(e)}`;
    }
  };

  return {
    async check() {
      let database = "ok";
      try {
        options.pingDatabase();
      } catch (e) {
        database = `failed: ${describe(e)}`;
      }
      const now = Date.now();
      if (!store || now - store.at > KEEP_MS) store = { at: now, result: probeStore() };
      const storeResult = await store.result;
      const shutdown = shuttingDown ? "shutting down" : "ok";
      return { ready: database === "ok" && storeResult === "ok" && !shuttingDown, checks: { database, store: storeResult, shutdown } };
    },
    markShuttingDown() {
      shuttingDown = true;
    },
  };
}
