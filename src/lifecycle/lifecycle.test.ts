// The disk lifecycle over a real SQLite file and real files in a temporary
// store: eviction order and pins, shared blobs, GC's grace period, leases,
// reconciliation, and the quota on the write path. No network, no timing.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, test, vi } from "vitest";
import { BlobStore } from "../blobstore/store.ts";
import { StorageFull } from "../blobstore/errors.ts";
import { parseConfigText } from "../config/load.ts";
import { openDatabase, type Database } from "../db/client.ts";
import { recordBlob } from "../db/queries/blobs.ts";
import { insertManifest } from "../db/queries/manifests.ts";
import { ensureRepository } from "../db/queries/repositories.ts";
import { setManualMark } from "../db/queries/tag-marks.ts";
import { findTag, upsertTag } from "../db/queries/tags.ts";
import { bunPlatform } from "../platform/bun.ts";
import { createLogger } from "../telemetry/log.ts";
import { Metrics } from "../telemetry/metrics.ts";
import { FIRM_HOLD_MS, leases, SERVED_HOLD_MS } from "./leases.ts";
import { createLifecycle, type Lifecycle } from "./service.ts";
import { StoreUsage } from "./usage.ts";
import { storeClasses } from "./classes.ts";
import { computePins } from "./pins.ts";
import { allowAllTags } from "../repository/guard.ts";
import { UploadFiles } from "../blobstore/uploads.ts";
import { useCheckpointer } from "../db/wal.ts";

const sha = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const KIB = 1024;

interface Kit {
  dir: string;
  store: BlobStore;
  database: Database;
  lifecycle: Lifecycle;
  clock: { now: number };
  logs: Record<string, unknown>[];
  metrics: Metrics;
  /** Stores an image: `layers` blobs of `size` bytes (or the given digests), a manifest, a tag. Returns the manifest and blob digests. */
  image(repository: string, tag: string, layers: number | string[], size?: number): { digest: string; blobs: string[] };
  blob(bytes: Uint8Array, repository?: string): string;
  manifests(): string[];
  blobRows(): string[];
}

let kit: Kit | undefined;
afterEach(async () => {
  await kit?.lifecycle.stop();
  kit?.database.close();
  if (kit) rmSync(kit.dir, { recursive: true, force: true });
  kit = undefined;
});

async function makeKit(storageToml = "", extraToml = "", classifyEveryMs?: number): Promise<Kit> {
  const dir = mkdtempSync(join(tmpdir(), "regcache-lifecycle-"));
  const config = parseConfigText(`[storage]\npath = ${JSON.stringify(dir)}\ngc_schedule = ""\n${storageToml}\n[[upstream]]\nname = "up"\nurl = "https://up.invalid"\n${extraToml}`, "test.toml");
  const store = new BlobStore(dir);
  await store.init();
  const database = openDatabase(bunPlatform.openSqlite(store.paths.database));
  const db = database.db;
  const logs: Record<string, unknown>[] = [];
  const log = createLogger("debug", (line) => logs.push(JSON.parse(line)));
  const clock = { now: 1_000_000_000_000 };
  const metrics = new Metrics();
  const lifecycle = createLifecycle({ config, db, store, log, metrics, now: () => clock.now, classifyEveryMs });
  const blob = (bytes: Uint8Array, repository?: string) => {
    const digest = sha(bytes);
    const path = store.path(digest);
    require("node:fs").mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    recordBlob(db, digest, bytes.byteLength, repository ? ensureRepository(db, repository) : undefined, clock.now);
    return digest;
  };
  const k: Kit = {
    dir,
    store,
    database,
    lifecycle,
    clock,
    logs,
    metrics,
    blob,
    image(repository, tag, layers, size = 4 * KIB) {
      const digests = typeof layers === "number" ? Array.from({ length: layers }, () => blob(new Uint8Array(randomBytes(size)), repository)) : layers;
      const content = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, tag, repository, layers: digests, salt: Math.random() }));
      const digest = sha(content);
      const repositoryId = ensureRepository(db, repository);
      const id = insertManifest(db, { repositoryId, digest, mediaType: "application/vnd.oci.image.manifest.v1+json", content, refs: digests.map((d) => ({ kind: "blob" as const, digest: d, size, mediaType: "application/octet-stream" })) }, clock.now);
      upsertTag(db, repositoryId, tag, id, clock.now, clock.now);
      return { digest, blobs: digests };
    },
    manifests: () => (database.client.prepare("select digest from manifests order by id").all() as { digest: string }[]).map((r) => r.digest),
    blobRows: () => (database.client.prepare("select digest from blobs").all() as { digest: string }[]).map((r) => r.digest),
  };
  kit = k;
  return k;
}

describe("eviction", () => {
  test("evicts cached images least recently pulled first, with their tags, jobs and unshared blobs", async () => {
    const k = await makeKit(`max_size = "100KiB"\nlow_water = "90%"`);
    const a = k.image("up/a", "1", 4); // 16 KiB each
    k.clock.now += 1000;
    const b = k.image("up/b", "1", 4);
    k.clock.now += 1000;
    const c = k.image("up/c", "1", 4);
    k.clock.now += 1000;
    // a is pulled now (buffered, not yet flushed): b becomes the least recently used.
    k.lifecycle.pulls.record("up/a", a.digest);
    k.database.client.prepare("insert into prefetch_jobs (upstream, repository, remote_name, kind, digest, next_try_at, created_at, updated_at) values ('up', 'up/b', 'b', 'blob', ?, 0, 0, 0)").run(b.blobs[0]!);
    await k.lifecycle.start();
    // 56 KiB more does not fit in 100 KiB with 48 KiB stored: eviction frees room first, down
    // to 90 KiB with the new bytes, so one image (16 KiB) goes.
    const pending = k.store.pending(sha(new Uint8Array(56 * KIB)));
    await pending.append(new Blob([new Uint8Array(56 * KIB)]).stream(), 56 * KIB);
    await pending.verify();
    await pending.commit();
    expect(k.manifests()).not.toContain(b.digest);
    expect(k.manifests()).toContain(a.digest);
    for (const d of b.blobs) expect(existsSync(k.store.path(d))).toBe(false);
    for (const d of [...a.blobs, ...c.blobs]) expect(existsSync(k.store.path(d))).toBe(true);
    expect(k.database.client.prepare("select count(*) as n from prefetch_jobs").get()).toEqual({ n: 0 });
    expect(k.database.client.prepare("select count(*) as n from tags").get()).toEqual({ n: 2 });
    const line = k.logs.find((l) => l.msg === "evicted cached images")!;
    expect(line).toMatchObject({ reason: "quota", images: [`up/b@${b.digest}`] });
    expect(k.metrics.render()).toMatch(/regcache_evictions_total\{reason="quota"\} 1/);
  });

  test("the pinned and evictable gauges follow an eviction without a du", async () => {
    const k = await makeKit(`max_size = "100KiB"\nlow_water = "90%"`, `[[prefetch.image]]\nref = "up/p:1"\nschedule = "0 3 * * *"\n`, 0);
    k.image("up/a", "1", 4); // 16 KiB each
    k.clock.now += 1000;
    k.image("up/b", "1", 4);
    k.clock.now += 1000;
    k.image("up/p", "1", 4); // prefetch-listed: pinned
    await k.lifecycle.start();
    const gauge = (cls: string) => Number(new RegExp(`regcache_store_bytes\\{class="${cls}"\\} (\\d+)`).exec(k.metrics.render())?.[1]);
    expect(gauge("evictable")).toBe(32 * KIB);
    expect(gauge("pinned")).toBe(16 * KIB);
    // 56 KiB more: up/a (least recently pulled) goes.
    const pending = k.store.pending(sha(new Uint8Array(56 * KIB)));
    await pending.append(new Blob([new Uint8Array(56 * KIB)]).stream(), 56 * KIB);
    await pending.verify();
    await pending.commit();
    expect(k.logs.some((l) => l.msg === "evicted cached images")).toBe(true);
    // The refresh runs in a later turn, on its own.
    await vi.waitFor(() => expect(gauge("evictable")).toBe(16 * KIB));
    expect(gauge("pinned")).toBe(16 * KIB);
  });

  test("never evicts local, immutable, prefetch-listed (tag, pattern, digest) or leased images; refuses the write when only they are left", async () => {
    const toml = `max_size = "60KiB"\nlow_water = "90%"`;
    const prefetch = `[[prefetch.image]]\nref = "up/listed:1"\nschedule = "0 3 * * *"\n[[prefetch.image]]\nref = "up/pattern"\ntags = "^v"\nschedule = "0 3 * * *"\n`;
    const k = await makeKit(toml, prefetch);
    const local = k.image("myorg/app", "1", 1);
    const immutable = k.image("up/pinned", "1", 1);
    setManualMark(k.database.db, findTag(k.database.db, ensureRepository(k.database.db, "up/pinned"), "1")!.id, true);
    const listed = k.image("up/listed", "1", 1);
    const pattern = k.image("up/pattern", "v2", 1);
    const leased = k.image("up/leased", "1", 1);
    const releaseManifest = leases.acquire(leased.digest);
    const leasedBlob = k.image("up/leasedblob", "1", 1);
    const releaseBlob = leases.acquire(leasedBlob.blobs[0]!);
    const release = () => (releaseManifest(), releaseBlob());
    await k.lifecycle.start();
    try {
      const big = new Uint8Array(40 * KIB);
      const pending = k.store.pending(sha(big));
      await expect(pending.append(new Blob([big]).stream(), big.byteLength)).rejects.toBeInstanceOf(StorageFull);
      await pending.discard();
      expect(k.manifests().sort()).toEqual([local.digest, immutable.digest, listed.digest, pattern.digest, leased.digest, leasedBlob.digest].sort());
      // Nothing partial: the refused download's bytes are gone and the account is back where it was.
      expect(require("node:fs").readdirSync(k.store.paths.tmp)).toEqual([]);
    } finally {
      release();
    }
  });

  test("a blob another image references stays when one of them is evicted", async () => {
    const k = await makeKit(`max_size = "40KiB"\nlow_water = "50%"`, `[[prefetch.image]]\nref = "up/b:1"\nschedule = "0 3 * * *"\n`);
    const shared = k.blob(new Uint8Array(randomBytes(4 * KIB)), "up/a");
    const a = k.image("up/a", "1", [shared]);
    k.clock.now += 1000;
    k.image("up/b", "1", [shared]);
    await k.lifecycle.start();
    const p = k.store.pending(sha(new Uint8Array(38 * KIB)));
    // a goes (b, prefetch-listed, stays), but frees nothing: b still needs the blob.
    await expect(p.append(new Blob([new Uint8Array(38 * KIB)]).stream(), 38 * KIB)).rejects.toBeInstanceOf(StorageFull);
    expect(k.manifests()).not.toContain(a.digest);
    expect(existsSync(k.store.path(shared))).toBe(true);
    expect(k.blobRows()).toContain(shared);
    await p.discard();
  });
});

describe("eviction and the WAL", () => {
  test("a long batch waits for a checkpoint every 64 images, on the worker when there is one", async () => {
    const k = await makeKit(`unused_after = "7d"`);
    await k.lifecycle.start();
    for (let i = 0; i < 200; i++) k.image(`up/many${i}`, "1", 1, 512);
    let calls = 0;
    useCheckpointer(k.database.db, {
      checkpoint: async () => ({ frames: ++calls, checkpointed: calls }),
      close: async () => {},
    });
    try {
      k.clock.now += 8 * 86_400_000;
      const run = await k.lifecycle.gc({ dryRun: false, trigger: "admin" });
      expect(run.evicted.images).toHaveLength(200);
    } finally {
      useCheckpointer(k.database.db, undefined);
    }
    // Eviction: 3 on the way (after 64, 128, 192 images) and 1 at its end; the sweep's own end.
    expect(calls).toBe(5);
  });
});

describe("eviction of an index", () => {
  test("takes the index with its children and their blobs; a child another index names stays", async () => {
    const k = await makeKit(`max_size = "40KiB"\nlow_water = "90%"`);
    const db = k.database.db;
    const repositoryId = ensureRepository(db, "up/multi");
    const child = (n: number) => {
      const blob = k.blob(new Uint8Array(randomBytes(4 * KIB)), "up/multi");
      const content = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, n, layers: [blob] }));
      insertManifest(db, { repositoryId, digest: sha(content), mediaType: "application/vnd.oci.image.manifest.v1+json", content, refs: [{ kind: "blob", digest: blob, size: 4 * KIB, mediaType: "x" }] }, k.clock.now);
      return { digest: sha(content), blob };
    };
    const index = (tag: string, children: { digest: string }[]) => {
      const content = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, tag, manifests: children.map((c) => c.digest) }));
      const id = insertManifest(db, { repositoryId, digest: sha(content), mediaType: "application/vnd.oci.image.index.v1+json", content, refs: children.map((c) => ({ kind: "manifest" as const, digest: c.digest, size: 1, mediaType: "application/vnd.oci.image.manifest.v1+json" })) }, k.clock.now);
      upsertTag(db, repositoryId, tag, id, k.clock.now, k.clock.now);
      return sha(content);
    };
    const [a, b, shared] = [child(1), child(2), child(3)];
    const old = index("old", [a, b, shared]);
    k.clock.now += 1000;
    const newer = index("new", [shared]);
    await k.lifecycle.start();
    // 12 KiB stored, 32 KiB more: evicting the older index (8 KiB of its own) brings it to 36.
    const p = k.store.pending(sha(new Uint8Array(32 * KIB)));
    await p.append(new Blob([new Uint8Array(32 * KIB)]).stream(), 32 * KIB);
    await p.discard();
    expect(k.manifests().sort()).toEqual([shared.digest, newer].sort());
    expect(k.manifests()).not.toContain(old);
    for (const d of [a.blob, b.blob]) expect(existsSync(k.store.path(d))).toBe(false);
    expect(existsSync(k.store.path(shared.blob))).toBe(true);
  });
});

describe("store classes for the gauges", () => {
  test("the paged background pass gives du's pinned and evictable bytes: indexes, shared blobs, local and unreferenced content", async () => {
    const k = await makeKit("", `[[prefetch.image]]\nref = "up/p:1"\nschedule = "0 3 * * *"\n`);
    const db = k.database.db;
    const repositoryId = ensureRepository(db, "up/multi");
    const childBlob = k.blob(new Uint8Array(randomBytes(3 * KIB)), "up/multi");
    const content = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, layers: [childBlob] }));
    insertManifest(db, { repositoryId, digest: sha(content), mediaType: "application/vnd.oci.image.manifest.v1+json", content, refs: [{ kind: "blob", digest: childBlob, size: 3 * KIB, mediaType: "x" }] }, k.clock.now);
    const indexContent = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, manifests: [sha(content)] }));
    const indexId = insertManifest(db, { repositoryId, digest: sha(indexContent), mediaType: "application/vnd.oci.image.index.v1+json", content: indexContent, refs: [{ kind: "manifest", digest: sha(content), size: 1, mediaType: "x" }] }, k.clock.now);
    upsertTag(db, repositoryId, "1", indexId, k.clock.now, k.clock.now);
    const shared = k.blob(new Uint8Array(randomBytes(5 * KIB)), "up/a");
    k.image("up/a", "1", [shared]); // evictable, but its blob is also the pinned image's
    k.image("up/p", "1", [shared, k.blob(new Uint8Array(randomBytes(7 * KIB)), "up/p")]); // prefetch-listed
    k.image("up/b", "1", 2, 2 * KIB); // evictable
    k.image("myorg/app", "1", 1, 11 * KIB); // local: pinned
    k.blob(new Uint8Array(randomBytes(13 * KIB)), "up/a"); // unreferenced
    await k.lifecycle.start();
    const du = k.lifecycle.report().store;
    expect(du).toMatchObject({ pinned_bytes: (5 + 7 + 11) * KIB, evictable_bytes: (3 + 2 * 2) * KIB });
    const pins = computePins(db, { guard: allowAllTags, prefetch: [{ ref: "up/p:1", tags: "" }], upstreams: ["up"] });
    let turns = 0;
    const classes = await storeClasses(db, pins, async () => void turns++);
    expect(classes).toEqual({ pinned: du.pinned_bytes, evictable: du.evictable_bytes });
    expect(turns).toBeGreaterThan(0);
  });
});

describe("garbage collection", () => {
  test("removes unreferenced blobs past the grace period, keeps young, referenced and leased ones", async () => {
    const k = await makeKit(`gc_grace = "1h"`);
    await k.lifecycle.start();
    const old = k.blob(new Uint8Array(randomBytes(1000)), "myorg/app");
    const oldLeased = k.blob(new Uint8Array(randomBytes(1000)), "myorg/app");
    const image = k.image("myorg/app", "1", 2);
    k.clock.now += 2 * 3_600_000;
    const young = k.blob(new Uint8Array(randomBytes(1000)), "myorg/app");
    const release = leases.acquire(oldLeased);
    try {
      const dry = await k.lifecycle.gc({ dryRun: true, trigger: "admin" });
      expect(dry.progress).toMatchObject({ deleted: 1, bytes: 1000, leased: 1 });
      expect(existsSync(k.store.path(old))).toBe(true);
      const run = await k.lifecycle.gc({ dryRun: false, trigger: "admin" });
      expect(run.progress).toMatchObject({ deleted: 1, bytes: 1000, swept: 1 });
    } finally {
      release();
    }
    expect(existsSync(k.store.path(old))).toBe(false);
    expect(k.blobRows()).not.toContain(old);
    for (const d of [oldLeased, young, ...image.blobs]) expect(existsSync(k.store.path(d))).toBe(true);
    expect(k.metrics.render()).toMatch(/regcache_gc_freed_bytes_total 1000/);
    // The run held SQLite's auto-checkpoint off (db/wal.ts) and gave it back.
    expect(k.database.client.prepare("PRAGMA wal_autocheckpoint").get()).toEqual({ wal_autocheckpoint: 1000 });
  });

  test("a blob a client was told exists (a pusher's HEAD) survives GC for the grace period from then", async () => {
    const k = await makeKit(`gc_grace = "1h"`);
    await k.lifecycle.start();
    const asked = k.blob(new Uint8Array(randomBytes(1000)), "myorg/app");
    const notAsked = k.blob(new Uint8Array(randomBytes(1000)), "myorg/app");
    k.clock.now += 2 * 3_600_000;
    // Both rows are past the grace; one was HEADed just now, before the pusher's manifest PUT.
    leases.markAsked(asked, k.clock.now - 1_000);
    const run = await k.lifecycle.gc({ dryRun: false, trigger: "admin" });
    expect(run.progress).toMatchObject({ deleted: 1, leased: 1 });
    expect(existsSync(k.store.path(asked))).toBe(true);
    expect(existsSync(k.store.path(notAsked))).toBe(false);
    // Once the grace has passed since the HEAD, it goes like any other garbage.
    k.clock.now += 3_600_000;
    const later = await k.lifecycle.gc({ dryRun: false, trigger: "admin" });
    expect(later.progress).toMatchObject({ deleted: 1 });
    expect(existsSync(k.store.path(asked))).toBe(false);
  });

  test("unused_after evicts cached images not pulled for that long, even below any quota", async () => {
    const k = await makeKit(`unused_after = "7d"`);
    await k.lifecycle.start();
    const stale = k.image("up/stale", "1", 1);
    const kept = k.image("up/kept", "1", 1);
    k.clock.now += 8 * 86_400_000;
    k.lifecycle.pulls.record("up/kept", kept.digest);
    const run = await k.lifecycle.gc({ dryRun: false, trigger: "admin" });
    expect(run.evicted.images).toEqual([`up/stale@${stale.digest}`]);
    expect(k.manifests()).toEqual([kept.digest]);
    expect(k.metrics.render()).toMatch(/regcache_evictions_total\{reason="unused_after"\} 1/);
  });
});

describe("reconciliation at start-up", () => {
  test("removes files without rows and rows without files, and says so", async () => {
    const k = await makeKit();
    const kept = k.blob(new Uint8Array(randomBytes(100)));
    const rowOnly = k.blob(new Uint8Array(randomBytes(100)));
    rmSync(k.store.path(rowOnly));
    const bytes = new Uint8Array(randomBytes(100));
    const fileOnly = sha(bytes);
    await mkdir(dirname(k.store.path(fileOnly)), { recursive: true });
    writeFileSync(k.store.path(fileOnly), bytes);
    const stray = join(k.store.paths.blobs, "sha256", "zz", "not-a-digest");
    await mkdir(dirname(stray), { recursive: true });
    writeFileSync(stray, "x");
    await k.lifecycle.start();
    expect(k.blobRows()).toEqual([kept]);
    expect(existsSync(k.store.path(fileOnly))).toBe(false);
    expect(existsSync(stray)).toBe(false);
    expect(existsSync(k.store.path(kept))).toBe(true);
    expect(k.logs.find((l) => l.msg === "reconcile: removed blob files without a row")).toMatchObject({ count: 2 });
    expect(k.logs.find((l) => l.msg === "reconcile: removed blob rows without a file")).toMatchObject({ count: 1, digests: [rowOnly] });
  });

  test("adopts a verified file a manifest references (a crash between rename and record), not a corrupt one", async () => {
    const k = await makeKit();
    const image = k.image("up/a", "1", 2);
    const [good, bad] = image.blobs as [string, string];
    const unreferenced = k.blob(new Uint8Array(randomBytes(100)));
    // Rows lost as if the kill landed after the rename: one file intact, one altered.
    k.database.client.prepare("delete from blobs where digest in (?, ?, ?)").run(good, bad, unreferenced);
    const altered = readFileSync(k.store.path(bad));
    altered[0] ^= 0xff;
    writeFileSync(k.store.path(bad), altered);
    await k.lifecycle.start();
    expect(k.blobRows().sort()).toEqual([good]);
    expect(existsSync(k.store.path(good))).toBe(true);
    expect(existsSync(k.store.path(bad))).toBe(false);
    expect(existsSync(k.store.path(unreferenced))).toBe(false);
    const linked = k.database.client.prepare("select r.name as name from repository_blobs rb join repositories r on r.id = rb.repository_id where rb.digest = ?").all(good);
    expect(linked).toEqual([{ name: "up/a" }]);
    expect(k.logs.find((l) => String(l.msg).startsWith("reconcile: adopted"))).toMatchObject({ count: 1, digests: [good] });
    expect(k.logs.find((l) => l.msg === "reconcile: removed blob files without a row")).toMatchObject({ count: 2 });
    expect(k.metrics.render()).toMatch(/regcache_reconcile_fixes_total\{kind="file_adopted"\} 1/);
  });
});

describe("reload", () => {
  test("a new config's quota and pull recording apply at once (SIGHUP calls use())", async () => {
    const k = await makeKit(`max_size = "1GiB"`);
    await k.lifecycle.start();
    expect(k.lifecycle.report().quota.max_size_bytes).toBe(1024 ** 3);
    const next = parseConfigText(`[storage]\npath = ${JSON.stringify(k.dir)}\ngc_schedule = ""\nmax_size = "2GiB"\nlow_water = "1GiB"\nrecord_pulls = false\n[[upstream]]\nname = "up"\nurl = "https://up.invalid"\n`, "t");
    k.lifecycle.use(next, { decide: () => ({ immutable: true, policy: "p" }), checkRetag() {}, checkDelete() {} });
    expect(k.lifecycle.report().quota).toMatchObject({ max_size_bytes: 2 * 1024 ** 3, low_water_bytes: 1024 ** 3 });
    const a = k.image("up/a", "1", 1);
    k.lifecycle.pulls.record("up/a", a.digest);
    k.lifecycle.pulls.flush();
    expect(k.database.client.prepare("select count(*) as n from manifest_access").get()).toEqual({ n: 0 });
    // The new guard pins every tag: the image counts as pinned.
    expect(k.lifecycle.report().upstreams[0]!.repositories[0]).toMatchObject({ name: "up/a", evictable_bytes: 0, pinned_bytes: 4 * KIB });
  });
});

describe("pull records", () => {
  test("are buffered and written in one batch, counted per manifest", async () => {
    const k = await makeKit();
    await k.lifecycle.start();
    const a = k.image("up/a", "1", 1);
    for (let i = 0; i < 5; i++) k.lifecycle.pulls.record("up/a", a.digest);
    k.lifecycle.pulls.record("up/gone", "sha256:" + "0".repeat(64));
    expect(k.database.client.prepare("select count(*) as n from manifest_access").get()).toEqual({ n: 0 });
    k.lifecycle.pulls.flush();
    expect(k.database.client.prepare("select pull_count as n, last_pulled_at as at from manifest_access").all()).toEqual([{ n: 5, at: k.clock.now }]);
    const report = k.lifecycle.report();
    expect(report.upstreams[0]!.repositories[0]).toMatchObject({ name: "up/a", pulls: 5, evictable_bytes: 4 * KIB });
  });
});

describe("leases", () => {
  test("a hold lasts SERVED_HOLD_MS; past its first FIRM_HOLD_MS, eviction under pressure may take it; a counted lease never", () => {
    const at = 5_000_000;
    const d = "sha256:" + "1".repeat(64);
    leases.hold(d, SERVED_HOLD_MS, at);
    expect(leases.held(d, at + FIRM_HOLD_MS - 1, true)).toBe(true);
    expect(leases.held(d, at + FIRM_HOLD_MS + 1, true)).toBe(false);
    expect(leases.held(d, at + FIRM_HOLD_MS + 1)).toBe(true);
    expect(leases.held(d, at + SERVED_HOLD_MS + 1)).toBe(false);
    const release = leases.acquire(d);
    expect(leases.held(d, at + SERVED_HOLD_MS + 1, true)).toBe(true);
    release();
    release();
    expect(leases.held(d, at + SERVED_HOLD_MS + 1, true)).toBe(false);
  });
});

describe("accounting", () => {
  test("charges and credits of every write path add up to what a walk of the store finds", async () => {
    const k = await makeKit();
    k.blob(new Uint8Array(randomBytes(3000)));
    await k.lifecycle.start();
    const used = () => k.lifecycle.report().store.used_bytes;
    const walked = async () => {
      const fresh = new StoreUsage(k.dir, k.store.paths.database);
      await fresh.measure();
      return fresh.used;
    };
    expect(used()).toBe(3000);
    // A download committed; one discarded half way; one of known size reserved, then written.
    const a = new Uint8Array(randomBytes(10_000));
    const pa = k.store.pending(sha(a));
    await pa.append(new Blob([a]).stream(), a.byteLength);
    await pa.verify();
    await pa.commit();
    const b = new Uint8Array(randomBytes(5_000));
    const pb = k.store.pending(sha(b));
    await pb.append(new Blob([b.subarray(0, 2_000)]).stream(), b.byteLength);
    expect(used()).toBe(15_000);
    await pb.discard();
    const c = new Uint8Array(randomBytes(4_000));
    const pc = k.store.pending(sha(c));
    await pc.reserve(c.byteLength);
    expect(used()).toBe(17_000);
    await pc.append(new Blob([c]).stream(), c.byteLength);
    expect(used()).toBe(17_000); // the chunks used the reservation
    await pc.verify();
    await pc.commit();
    // The same blob stored again replaces the file: counted once.
    const again = k.store.pending(sha(a));
    await again.append(new Blob([a]).stream(), a.byteLength);
    await again.verify();
    await again.commit();
    // An upload: appended, a refused chunk rolled back, then the session removed.
    const uploads = new UploadFiles(k.store);
    const id = "00000000-0000-0000-0000-000000000001";
    await uploads.create(id);
    await uploads.append(id, new Blob([new Uint8Array(1_500)]).stream());
    // 900 bytes for a chunk announced as 1,000: written, refused, truncated away.
    await expect(uploads.append(id, new Blob([new Uint8Array(900)]).stream(), 1_000)).rejects.toThrow();
    expect(used()).toBe(17_000 + 1_500);
    expect(await walked()).toBe(17_000 + 1_500);
    await uploads.remove(id);
    expect(used()).toBe(17_000);
    expect(await walked()).toBe(17_000);
  });
});
