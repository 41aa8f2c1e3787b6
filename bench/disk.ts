// Disk lifecycle figures (issue 11, item 6):
//   1. GC and eviction over 100,000 blobs in 10,000 manifests (the DB and small files seeded
//      directly), in process: time, and the longest event-loop stall (target < 50 ms);
//   2. on the compiled binary over the same store: warm manifest GET p99 while a GC runs,
//      against idle (target within 2×);
//   3. warm manifest GETs/s (wrk, 32 connections) with pull recording on and off (target:
//      on within 10% of off, which is what a GET cost before pull records existed).
// Run: npm run build && bun bench/disk.ts [--manifests 10000] [--blobs-per 10] [--seconds 10]
// Also a step of `npm run bench` (bench/run.ts). Every process started here is stopped by pid.
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BlobStore } from "../src/blobstore/store.ts";
import { parseConfigText } from "../src/config/load.ts";
import { keepWal } from "../src/db/wal-keeper.ts";
import { openDatabase } from "../src/db/client.ts";
import { evictUntil } from "../src/lifecycle/eviction.ts";
import { leases } from "../src/lifecycle/leases.ts";
import { lifecycleMetrics } from "../src/lifecycle/metrics.ts";
import { computePins } from "../src/lifecycle/pins.ts";
import { createLifecycle } from "../src/lifecycle/service.ts";
import { bunPlatform } from "../src/platform/bun.ts";
import { silentLogger } from "../src/telemetry/log.ts";
import { Metrics } from "../src/telemetry/metrics.ts";
import { startRegcache, type RegcacheProcess } from "../test/e2e/regcache-process.ts";
import { makeTempDir } from "../test/helpers/temp-dirs.ts";
import { MANIFEST_ACCEPT } from "./manifest-rps.ts";
import { runWrk } from "./wrk.ts";

export interface DiskFigures {
  manifests: number;
  blobs: number;
  gc: { seconds: number; blobsDeleted: number; maxStallMs: number };
  eviction: { seconds: number; imagesEvicted: number; maxStallMs: number };
  manifestGetP99Ms: { idle: number; duringGc: number; duringGcSamples: number };
  manifestRps: { recordPullsOn: number; recordPullsOff: number };
}

const sha = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;
const HOUR = 3_600_000;

/** Seeds `manifests` cached images of `per` blobs each (16-byte files), all stored two hours ago. */
export function seed(dir: string, manifests: number, per: number): { warmRepo: string } {
  const store = new BlobStore(dir);
  mkdirSync(store.paths.blobs, { recursive: true });
  const database = openDatabase(bunPlatform.openSqlite(store.paths.database));
  const c = database.client;
  const at = Date.now() - 2 * HOUR;
  const repo = c.prepare("insert into repositories (name) values (?) returning id");
  const manifest = c.prepare("insert into manifests (repository_id, digest, media_type, content, size, created_at) values (?, ?, ?, ?, ?, ?) returning id");
  const ref = c.prepare("insert into manifest_refs (manifest_id, kind, digest, size, media_type) values (?, 'blob', ?, 16, 'application/octet-stream')");
  const blob = c.prepare("insert into blobs (digest, size, created_at) values (?, 16, ?)");
  const link = c.prepare("insert into repository_blobs (repository_id, digest) values (?, ?)");
  const tag = c.prepare("insert into tags (repository_id, name, manifest_id, updated_at, confirmed_at) values (?, ?, ?, ?, ?)");
  c.transaction(() => {
    const repoIds = Array.from({ length: 100 }, (_, i) => (repo.get(`up/bench/r${i}`) as { id: number }).id);
    for (let m = 0; m < manifests; m++) {
      const repositoryId = repoIds[m % 100]!;
      const digests: string[] = [];
      for (let b = 0; b < per; b++) {
        const content = `${m}-${b}-blob-content`.padEnd(16, ".").slice(0, 16);
        const d = sha(content);
        digests.push(d);
        const path = store.path(d);
        mkdirSync(join(path, ".."), { recursive: true });
        writeFileSync(path, content);
        blob.run(d, at);
        link.run(repositoryId, d);
      }
      const doc = JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: digests[0], size: 16 },
        layers: digests.slice(1).map((d) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: d, size: 16 })),
      });
      const id = (manifest.get(repositoryId, sha(doc), "application/vnd.oci.image.manifest.v1+json", Buffer.from(doc), doc.length, at + m) as { id: number }).id;
      for (const d of digests) ref.run(id, d);
      // Every manifest tagged; tags are confirmed now, so a GET by tag is a warm HIT.
      tag.run(repositoryId, `t${m}`, id, at, Date.now());
    }
  })();
  database.close();
  return { warmRepo: "up/bench/r7" };
}

/** Deletes `count` manifests (oldest first), making their blobs unreferenced: work for the GC. */
export function dropManifests(dir: string, count: number, skip: number): void {
  const database = openDatabase(bunPlatform.openSqlite(join(dir, "regcache.db")));
  database.client.prepare("delete from manifests where id in (select id from manifests order by id limit ? offset ?)").run(count, skip);
  database.close();
}

/** Longest gap between 1 ms timer ticks while `work` runs: the event loop's longest stall. */
async function withStallMeter<T>(work: () => Promise<T>): Promise<[T, number]> {
  let last = performance.now();
  let max = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last);
    last = now;
  }, 1);
  try {
    return [await work(), max];
  } finally {
    clearInterval(timer);
  }
}

async function inProcess(dir: string, manifests: number, per: number): Promise<Pick<DiskFigures, "gc" | "eviction">> {
  const config = parseConfigText(`[storage]\npath = ${JSON.stringify(dir)}\ngc_grace = "1h"\ngc_schedule = ""\nmin_free = "0"\n[[upstream]]\nname = "up"\nurl = "http://127.0.0.1:9"\ninsecure = true\n`, "bench.toml");
  const store = new BlobStore(dir);
  await store.init();
  const database = openDatabase(bunPlatform.openSqlite(store.paths.database));
  // As the server does (server/start.ts): WAL checkpoints on the worker thread.
  const walKeeper = keepWal(database.db, bunPlatform.startCheckpointer!(store.paths.database), silentLogger);
  const lifecycle = createLifecycle({ config, db: database.db, store, log: silentLogger, metrics: new Metrics(), now: Date.now });
  await lifecycle.start();
  const gcStarted = performance.now();
  const [run, gcStall] = await withStallMeter(() => lifecycle.gc({ dryRun: false, trigger: "admin" }));
  const gcSeconds = (performance.now() - gcStarted) / 1000;
  // Eviction of a fifth of the images, in LRU order, as a quota would ask for it.
  const target = Math.floor(manifests / 5);
  let freed = 0;
  const ctx = {
    db: database.db,
    store,
    // Counts what eviction frees; the real account is not needed for timing.
    usage: { sub: (n: number) => (freed += n), add() {} } as unknown as import("../src/lifecycle/usage.ts").StoreUsage,
    leases,
    log: silentLogger,
    metrics: lifecycleMetrics(new Metrics()),
    now: Date.now,
    pins: () => computePins(database.db, { guard: { decide: () => ({ immutable: false }), checkRetag() {}, checkDelete() {} }, prefetch: [], upstreams: ["up"] }),
    flushPulls: () => {},
    storeChanged: () => {},
  };
  const bytesPerImage = 16 * per;
  const evStarted = performance.now();
  const [result, evStall] = await withStallMeter(() => evictUntil(ctx, "quota", () => freed >= target * bytesPerImage));
  const evSeconds = (performance.now() - evStarted) / 1000;
  await lifecycle.stop();
  await walKeeper.stop();
  database.close();
  return {
    gc: { seconds: gcSeconds, blobsDeleted: run.progress.deleted, maxStallMs: gcStall },
    eviction: { seconds: evSeconds, imagesEvicted: result.images.length, maxStallMs: evStall },
  };
}

/** Per-request latency of warm manifest GETs by 8 concurrent clients until `until()`; sorted ms. */
/** Tags of the newest tenth of the images (r7's): never deleted or evicted by this bench. */
const warmTag = (manifests: number, i: number) => `t${manifests - 93 - 100 * (i % Math.max(1, Math.floor(manifests / 1000)))}`;

async function latencies(regcache: RegcacheProcess, repo: string, manifests: number, until: () => boolean): Promise<number[]> {
  const out: number[] = [];
  await Promise.all(
    Array.from({ length: 8 }, async (_, c) => {
      for (let i = c; !until(); i += 8) {
        const started = performance.now();
        const r = await fetch(`${regcache.url}/v2/${repo}/manifests/${warmTag(manifests, i)}`, { headers: { accept: MANIFEST_ACCEPT } });
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`warm GET answered ${r.status}`);
        out.push(performance.now() - started);
      }
    }),
  );
  return out.sort((a, b) => a - b);
}
const p99 = (sorted: number[]) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? NaN;

export async function measureDisk(options: { manifests?: number; blobsPer?: number; seconds?: number; log?: (m: string) => void } = {}): Promise<DiskFigures> {
  const manifests = options.manifests ?? 10_000;
  const per = options.blobsPer ?? 10;
  const seconds = options.seconds ?? 10;
  const log = options.log ?? ((m: string) => console.error(`[disk bench] ${m}`));
  const tmp = makeTempDir("regcache-bench-disk-");
  const dir = join(tmp.path, "storage");
  try {
    log(`seeding ${manifests} manifests, ${manifests * per} blobs`);
    seed(dir, manifests, per);
    dropManifests(dir, Math.floor(manifests / 5), 0);
    log("GC and eviction in process");
    const inproc = await inProcess(dir, manifests, per);
    log(`GC ${inproc.gc.blobsDeleted} blobs in ${inproc.gc.seconds.toFixed(2)} s, longest stall ${inproc.gc.maxStallMs.toFixed(1)} ms; eviction ${inproc.eviction.imagesEvicted} images in ${inproc.eviction.seconds.toFixed(2)} s, longest stall ${inproc.eviction.maxStallMs.toFixed(1)} ms`);

    // The binary over what is left, with another fifth of the manifests deleted: GC work.
    const warmRepo = "up/bench/r7";
    dropManifests(dir, Math.floor(manifests / 5), Math.floor(manifests / 5));
    const upstream = `[[upstream]]\nname = "up"\nurl = "http://127.0.0.1:9"\ninsecure = true\n`;
    const start = (recordPulls: boolean) => startRegcache({ storageDir: dir, startTimeoutMs: 120_000, extraToml: `gc_schedule = ""\nmin_free = "0"\nrecord_pulls = ${recordPulls}\n${upstream}` });
    let regcache = await start(true);
    let figures: DiskFigures;
    try {
      const idleUntil = Date.now() + 3_000;
      const idle = await latencies(regcache, warmRepo, manifests, () => Date.now() > idleUntil);
      const started = (await (await fetch(`${regcache.url}/api/v1/storage/gc`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).json()) as { id: string };
      let running = true;
      const poll = (async () => {
        while (running) {
          const r = (await (await fetch(`${regcache.url}/api/v1/storage/gc/${started.id}`)).json()) as { state: string };
          if (r.state !== "running") running = false;
          else await new Promise((res) => setTimeout(res, 20));
        }
      })();
      const during = await latencies(regcache, warmRepo, manifests, () => !running);
      await poll;
      log(`warm manifest GET p99: idle ${p99(idle).toFixed(2)} ms (n=${idle.length}), during GC ${p99(during).toFixed(2)} ms (n=${during.length})`);
      const on = await runWrk(`${regcache.url}/v2/${warmRepo}/manifests/${warmTag(manifests, 0)}`, { connections: 32, threads: 2, seconds, headers: { Accept: MANIFEST_ACCEPT } });
      await regcache.dispose();
      regcache = await start(false);
      const off = await runWrk(`${regcache.url}/v2/${warmRepo}/manifests/${warmTag(manifests, 0)}`, { connections: 32, threads: 2, seconds, headers: { Accept: MANIFEST_ACCEPT } });
      log(`warm manifest GETs/s: record_pulls on ${on.requestsPerSecond.toFixed(0)}, off ${off.requestsPerSecond.toFixed(0)}`);
      figures = {
        manifests,
        blobs: manifests * per,
        ...inproc,
        manifestGetP99Ms: { idle: p99(idle), duringGc: p99(during), duringGcSamples: during.length },
        manifestRps: { recordPullsOn: on.requestsPerSecond, recordPullsOff: off.requestsPerSecond },
      };
    } finally {
      await regcache.dispose();
    }
    return figures;
  } finally {
    if (!process.env.KEEP_BENCH_DIR) tmp.remove();
    else log(`kept ${dir}`);
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { manifests: { type: "string", default: "10000" }, "blobs-per": { type: "string", default: "10" }, seconds: { type: "string", default: "10" } } });
  const f = await measureDisk({ manifests: Number(values.manifests), blobsPer: Number(values["blobs-per"]), seconds: Number(values.seconds) });
  console.log(JSON.stringify(f, null, 2));
  const ok = (b: boolean) => (b ? "met" : "MISSED");
  console.log(`GC stall < 50 ms: ${ok(f.gc.maxStallMs < 50)}; eviction stall < 50 ms: ${ok(f.eviction.maxStallMs < 50)}; p99 during GC within 2x idle: ${ok(f.manifestGetP99Ms.duringGc <= 2 * f.manifestGetP99Ms.idle)}; GETs/s with pull records within 10%: ${ok(f.manifestRps.recordPullsOn >= 0.9 * f.manifestRps.recordPullsOff)}`);
  process.exit(0);
}
