// The prefetcher wired as `regcache serve` wires it (buildServices), in process, over a temp storage
// dir and a fake upstream named "hub". `reopen()` simulates a restart: a new
// process over the same database and blob store. Tests only.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobStore } from "../../src/blobstore/store.ts";
import type { PullThrough, Target } from "../../src/cache/service.ts";
import { resolveConfig } from "../../src/config/resolve.ts";
import { parseConfigText } from "../../src/config/load.ts";
import { openDatabase, type Database } from "../../src/db/client.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { createLogger } from "../../src/telemetry/log.ts";
import type { Metrics } from "../../src/telemetry/metrics.ts";
import type { Prefetcher } from "../../src/prefetch/service.ts";
import { buildServices } from "../../src/server/services.ts";

export interface Fixture {
  store: BlobStore;
  database: Database;
  prefetcher: Prefetcher;
  pullThrough: PullThrough;
  metrics: Metrics;
  logs: Record<string, unknown>[];
  target(repo: string): Target;
  /** Stops the prefetcher (keeping its queue) and starts a new one over the same storage. */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

export async function prefetchFixture(upstreamUrl: string, extraToml = "", upstreamToml = ""): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), "regcache-prefetch-"));
  const config = parseConfigText(`[storage]\npath = ${JSON.stringify(dir)}\n[[upstream]]\nname = "hub"\nurl = "${upstreamUrl}"\ninsecure = true\n${upstreamToml}\n${extraToml}`, "test.toml");
  const store = new BlobStore(dir);
  const logs: Record<string, unknown>[] = [];
  const log = createLogger("debug", (line) => logs.push(JSON.parse(line)));
  const f = {} as Fixture;
  const open = async () => {
    await store.init();
    const database = openDatabase(bunPlatform.openSqlite(store.paths.database));
    const { prefetcher, pullThrough, metrics } = buildServices({ resolved: resolveConfig(config, "test.toml"), store, db: database.db, log, now: Date.now });
    prefetcher.start();
    Object.assign(f, { store, database, prefetcher, pullThrough, metrics });
  };
  const shut = async () => {
    await f.prefetcher.stop(2_000);
    await f.pullThrough.close();
    f.database.close();
  };
  await open();
  return Object.assign(f, {
    logs,
    target: (repo: string) => ({ upstream: "hub", remoteName: repo, localName: `hub/${repo}` }),
    async reopen() {
      await shut();
      await open();
    },
    async close() {
      await shut();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** Polls `check` every 20 ms until it holds. */
export async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
