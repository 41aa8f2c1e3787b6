// The whole app in process: a temp storage dir, the Bun platform, and
// createApp; requests go through app.request() with no network.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobStore } from "../../src/blobstore/store.ts";
import { UploadFiles } from "../../src/blobstore/uploads.ts";
import { openDatabase } from "../../src/db/client.ts";
import { createApp } from "../../src/http/app.ts";
import type { AppDeps } from "../../src/http/context.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import type { RegistryContext } from "../../src/registry/context.ts";
import { localRepository } from "../../src/registry/repository.ts";
import { allowAllTags, type TagGuard } from "../../src/repository/guard.ts";
import { silentLogger } from "../../src/telemetry/log.ts";
import { Metrics } from "../../src/telemetry/metrics.ts";

export interface Harness {
  dir: string;
  store: BlobStore;
  registry: RegistryContext;
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): void;
}

export async function createHarness(options: { guard?: TagGuard; maxManifestBytes?: number; deps?: Partial<AppDeps> } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "regcache-it-"));
  const store = new BlobStore(dir);
  await store.init();
  const database = openDatabase(bunPlatform.openSqlite(store.paths.database));
  const registry: RegistryContext = {
    db: database.db,
    store,
    uploads: new UploadFiles(store),
    guard: options.guard ?? allowAllTags,
    maxManifestBytes: options.maxManifestBytes ?? 4 * 1024 * 1024,
    now: Date.now,
  };
  const repositories = (name: string) => localRepository(registry, name);
  const app = createApp({ registry, repositories, platform: bunPlatform, log: silentLogger, metrics: new Metrics(), ...options.deps });
  return {
    dir,
    store,
    registry,
    request: async (path, init) => app.request(`http://registry.test${path}`, init),
    close: () => {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
