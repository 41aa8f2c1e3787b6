// The pull-through cache in process, as `regcache serve` builds it
// (buildServices), over a temporary store, with FakeUpstreamClients and a
// clock the test moves. For src/cache's tests: no network, no timing. Tests only.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobStore } from "../../src/blobstore/store.ts";
import type { PullThrough, Target } from "../../src/cache/service.ts";
import { parseConfigText } from "../../src/config/load.ts";
import { resolveConfig } from "../../src/config/resolve.ts";
import { openDatabase, type Database } from "../../src/db/client.ts";
import { bunPlatform } from "../../src/platform/bun.ts";
import type { Repository } from "../../src/repository/types.ts";
import { type Services, buildServices } from "../../src/server/services.ts";
import { createLogger } from "../../src/telemetry/log.ts";
import { FakeUpstreamClient } from "./fake-upstream-client.ts";

export const HOUR = 3_600_000;

export interface CacheKit {
  pt: PullThrough;
  services: Services;
  database: Database;
  store: BlobStore;
  /** The fake client of each upstream, by name. */
  upstream(name?: string): FakeUpstreamClient;
  /** The fake client of a mirror, by its url (from `mirrors`). */
  mirror(url: string): FakeUpstreamClient;
  repo(name: string): Repository;
  target(localName: string): Target;
  logs: Record<string, unknown>[];
  /** The injected clock: tests set it. */
  clock: { now: number };
  /** Rows of a table (to prove that reads write nothing). */
  count(table: string): number;
  close(): Promise<void>;
}

/** `upstreamToml` is added to every [[upstream]] (ttl, staleness, stale_if_error …). */
/** `mirrors`: urls of mirrors of the first upstream, each served by its own fake. */
export async function cacheKit(options: { upstreams?: string[]; upstreamToml?: string; storageToml?: string; extraToml?: string; mirrors?: string[] } = {}): Promise<CacheKit> {
  const dir = mkdtempSync(join(tmpdir(), "regcache-cache-"));
  const names = options.upstreams ?? ["hub"];
  const toml = [
    `[storage]\npath = ${JSON.stringify(dir)}\n${options.storageToml ?? ""}`,
    `[prefetch]\ncomplete_on_pull = false`,
    ...names.map((n, i) => {
      const mirrors = i === 0 && options.mirrors ? `mirrors = [${options.mirrors.map((u) => `{ url = "${u}" }`).join(", ")}]\n` : "";
      return `[[upstream]]\nname = "${n}"\nurl = "https://${n}.invalid"\n${mirrors}${options.upstreamToml ?? ""}`;
    }),
    options.extraToml ?? "",
  ].join("\n");
  const config = parseConfigText(toml, "test.toml");
  const store = new BlobStore(dir);
  await store.init();
  const database = openDatabase(bunPlatform.openSqlite(store.paths.database));
  const logs: Record<string, unknown>[] = [];
  const log = createLogger("debug", (line) => logs.push(JSON.parse(line)));
  const clock = { now: 1_000_000_000_000 };
  const fakes = new Map(names.map((n) => [n, new FakeUpstreamClient(n)]));
  const mirrorFakes = new Map((options.mirrors ?? []).map((u) => [u, new FakeUpstreamClient(names[0]!)]));
  const services = buildServices({ resolved: resolveConfig(config, "test.toml"), store, db: database.db, log, now: () => clock.now, createClient: (s) => mirrorFakes.get(s.url) ?? fakes.get(s.name)! });
  const pt = services.pullThrough;
  const resolve = services.http.repositories;
  return {
    pt,
    services,
    database,
    store,
    upstream: (name = names[0]!) => fakes.get(name)!,
    mirror: (url) => mirrorFakes.get(url)!,
    repo: (name) => resolve(name, undefined, false),
    target: (localName) => pt.resolve(localName, undefined, false)!,
    logs,
    clock,
    count: (table) => (database.client.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n,
    async close() {
      await services.prefetcher.stop(1_000);
      await pt.close();
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reads a stream to the end. */
export async function bytesOf(body: ReadableStream<Uint8Array> | null): Promise<Uint8Array> {
  return new Uint8Array(await new Response(body).arrayBuffer());
}
