// The same Harness shape over a CACHED repository: a local harness serves as
// the upstream on 127.0.0.1 (the real upstream client talks to it over HTTP),
// and a second app caches it as upstream "up". Reads go to the cache, under
// /v2/up/<name>/…; writes (the tests' pushes) go to the upstream. Lets the
// read conformance tests run unchanged against both kinds of repository.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobStore } from "../../src/blobstore/store.ts";
import { parseConfigText } from "../../src/config/load.ts";
import { resolveConfig } from "../../src/config/resolve.ts";
import { openDatabase } from "../../src/db/client.ts";
import { createApp } from "../../src/http/app.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import { buildServices } from "../../src/server/services.ts";
import { silentLogger } from "../../src/telemetry/log.ts";
import { createHarness, type Harness } from "./harness.ts";

export type HarnessKind = "local" | "cached";

/** A harness whose reads go through a pull-through cache of a local one. */
export async function createCachedHarness(): Promise<Harness> {
  const upstream = await createHarness();
  const server = await bunPlatform.serve({ hostname: "127.0.0.1", port: 0, fetch: (request) => upstream.request(new URL(request.url).pathname + new URL(request.url).search, request) });
  const dir = mkdtempSync(join(tmpdir(), "regcache-it-cache-"));
  const config = parseConfigText(`[storage]\npath = ${JSON.stringify(dir)}\n[prefetch]\ncomplete_on_pull = false\n[[upstream]]\nname = "up"\nurl = "http://127.0.0.1:${server.port}"\ninsecure = true\nttl = "0s"\n`, "test.toml");
  const store = new BlobStore(dir);
  await store.init();
  const database = openDatabase(bunPlatform.openSqlite(store.paths.database));
  const services = buildServices({ resolved: resolveConfig(config, "test.toml"), store, db: database.db, log: silentLogger, now: Date.now });
  const app = createApp({ ...services.http, platform: bunPlatform, log: silentLogger, metrics: services.metrics });
  const read = (method: string | undefined) => method === undefined || method === "GET" || method === "HEAD";
  return {
    dir,
    store,
    registry: services.registry,
    async request(path, init) {
      if (!read(init?.method) || !path.startsWith("/v2/") || path === "/v2/" || path.startsWith("/v2/_catalog")) return upstream.request(path, init);
      return app.request(`http://registry.test/v2/up/${path.slice("/v2/".length)}`, init);
    },
    close() {
      void services.prefetcher.stop(0);
      void services.pullThrough.close();
      void server.stop(true);
      database.close();
      rmSync(dir, { recursive: true, force: true });
      upstream.close();
    },
  };
}

export function harnessOf(kind: HarnessKind): Promise<Harness> {
  return kind === "local" ? createHarness() : createCachedHarness();
}
