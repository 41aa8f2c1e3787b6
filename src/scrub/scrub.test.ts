// The scrub in process, over a real store and SQLite file: a cached image (from a fake
// upstream) and a local one (pushed through the Repository seam). Proves that a dry run
// changes nothing, that a corrupt file is quarantined and its row removed (the cached blob
// then downloads again, the local one is reported by name and no longer served), that a
// missing file loses its row, that only one scrub runs, and that the rate bounds the reads.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { bytesOf, cacheKit, type CacheKit } from "../../test/helpers/cache-kit.ts";
import { sha256 } from "../../test/helpers/fake-upstream-client.ts";
import { findBlob } from "../db/queries/blobs.ts";
import { blobPage, findScrubCursor, saveScrubCursor } from "../db/queries/scrub.ts";
import { OCI_MANIFEST } from "../oci/media-types.ts";
import { BlobUnknown } from "../repository/errors.ts";
import { ScrubRunning } from "./errors.ts";
import type { ScrubProgress } from "./progress.ts";

let kit: CacheKit;
afterEach(async () => {
  await kit?.services.scrub.runs.stop();
  await kit?.close();
});

const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 1000 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
};

/** Pulls hub/lib/app:v1 through the cache, blobs included, and waits until they are recorded. */
async function cacheImage(k: CacheKit) {
  const image = k.upstream().image("lib/app", "v1", 5000);
  const repo = k.repo("hub/lib/app");
  await repo.getManifest("v1");
  for (const blob of [image.config, image.layer]) {
    const read = await repo.getBlob(blob.digest, { head: false, range: false });
    if (read.kind === "stream") await bytesOf(read.body);
    await until(`${blob.digest} recorded`, () => findBlob(k.database.db, blob.digest) !== undefined);
  }
  return image;
}

/** Pushes local/app:v1 (a config and a layer, by default one of its own) as a client would. */
async function pushLocal(k: CacheKit, layer = new Uint8Array(4000).map((_, i) => (i * 7) % 251)) {
  const repo = k.repo("local/app");
  const config = new TextEncoder().encode(JSON.stringify({ architecture: "amd64", os: "linux", local: true }));
  for (const b of [config, layer]) await repo.monolithicUpload(sha256(b), new Response(b).body);
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.byteLength },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha256(layer), size: layer.byteLength }],
    }),
  );
  await repo.putManifest("v1", manifest, OCI_MANIFEST);
  return { config: sha256(config), layer: sha256(layer), manifest: sha256(manifest), layerBytes: layer };
}

function flipByte(k: CacheKit, digest: string, at = 10): void {
  const path = k.store.path(digest);
  const bytes = readFileSync(path);
  bytes[at] = bytes[at]! ^ 0xff;
  writeFileSync(path, bytes);
}

async function scrubScheduled(k: CacheKit): Promise<ScrubProgress> {
  const run = k.services.scrub.begin(false, "schedule");
  await until("the scrub to end", () => run.state !== "running");
  return run;
}

async function scrub(k: CacheKit, dryRun: boolean): Promise<ScrubProgress> {
  const run = k.services.scrub.begin(dryRun);
  await until("the scrub to end", () => run.state !== "running");
  return run;
}

const metric = (k: CacheKit, line: string) => k.services.metrics.render().split("\n").find((l) => l.startsWith(line));

describe("scrub", () => {
  test("a clean store: every blob is hashed and nothing is found", async () => {
    kit = await cacheKit();
    await cacheImage(kit);
    await pushLocal(kit);
    const run = await scrub(kit, false);
    expect(run).toMatchObject({ state: "done", total_blobs: 4, checked_blobs: 4, corrupt: 0, missing: 0, findings: [] });
    expect(run.checked_bytes).toBe(run.total_bytes);
    expect(metric(kit, "regcache_scrub_bytes_checked_total")).toBe(`regcache_scrub_bytes_checked_total ${run.total_bytes}`);
    expect(metric(kit, "regcache_scrub_runs_total")).toBe('regcache_scrub_runs_total{mode="repair",result="done"} 1');
  });

  test("a dry run reports a corrupt cached and a corrupt local blob and changes nothing", async () => {
    kit = await cacheKit();
    const image = await cacheImage(kit);
    const local = await pushLocal(kit);
    flipByte(kit, image.layer.digest);
    flipByte(kit, local.layer);
    const before = [image.layer.digest, local.layer].map((d) => readFileSync(kit.store.path(d)));
    const run = await scrub(kit, true);
    expect(run).toMatchObject({ state: "done", corrupt: 2, missing: 0, refetch_queued: false });
    expect(run.findings.map((f) => [f.digest, f.owner, f.action])).toEqual(
      [
        [image.layer.digest, "cached", "would-quarantine"],
        [local.layer, "local", "would-quarantine"],
      ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
    [image.layer.digest, local.layer].forEach((d, i) => expect(readFileSync(kit.store.path(d)).equals(before[i]!)).toBe(true));
    expect(findBlob(kit.database.db, image.layer.digest)).toBeDefined();
    expect(findBlob(kit.database.db, local.layer)).toBeDefined();
    expect(existsSync(kit.store.paths.quarantine)).toBe(false);
    expect(kit.count("prefetch_jobs")).toBe(0);
    expect(metric(kit, "regcache_scrub_problems_total")).toBeUndefined();
  });

  test("a corrupt cached blob is quarantined and downloaded again; a corrupt local one is reported by name and no longer served", async () => {
    kit = await cacheKit();
    const image = await cacheImage(kit);
    const local = await pushLocal(kit);
    flipByte(kit, image.layer.digest);
    flipByte(kit, local.layer);
    const run = await scrub(kit, false);
    expect(run).toMatchObject({ state: "done", corrupt: 2, refetch_queued: true });

    const cached = run.findings.find((f) => f.digest === image.layer.digest)!;
    expect(cached).toMatchObject({ owner: "cached", problem: "corrupt", action: "quarantined", users: [{ repository: "hub/lib/app", local: false, manifests: [{ digest: image.digest, tags: ["v1"] }] }] });
    const quarantined = join(kit.store.paths.root, cached.quarantine_path!);
    expect(sha256(readFileSync(quarantined))).toBe(cached.found!.digest);
    expect(JSON.parse(readFileSync(`${quarantined}.json`, "utf8"))).toMatchObject({ digest: image.layer.digest, found: cached.found, owner: "cached" });
    expect(existsSync(kit.store.path(image.layer.digest))).toBe(false);
    expect(findBlob(kit.database.db, image.layer.digest)).toBeUndefined();
    // The prefetch sweep queued it again (the prefetcher is not started in this kit, so it stays queued).
    const jobs = kit.database.client.prepare("select repository, digest from prefetch_jobs where kind = 'blob'").all();
    expect(jobs).toEqual([{ repository: "hub/lib/app", digest: image.layer.digest }]);

    const localFinding = run.findings.find((f) => f.digest === local.layer)!;
    expect(localFinding).toMatchObject({ owner: "local", action: "quarantined", users: [{ repository: "local/app", local: true, manifests: [{ digest: local.manifest, tags: ["v1"] }] }] });
    const logged = kit.logs.find((l) => l.msg === "scrub found a corrupt blob of a local repository; it is no longer served, push it again");
    expect(logged).toMatchObject({ level: "error", digest: local.layer, owner: "local", used_by: [`local/app@${local.manifest} (v1)`] });
    expect(metric(kit, 'regcache_scrub_problems_total{owner="cached",problem="corrupt"}')).toMatch(/ 1$/);
    expect(metric(kit, 'regcache_scrub_problems_total{owner="local",problem="corrupt"}')).toMatch(/ 1$/);

    // Never the wrong bytes: the local blob is unknown now, the cached one comes from the upstream.
    await expect(kit.repo("local/app").getBlob(local.layer, { head: false, range: false })).rejects.toBeInstanceOf(BlobUnknown);
    const again = await kit.repo("hub/lib/app").getBlob(image.layer.digest, { head: false, range: false });
    expect(again.cache).toBe("MISS");
    expect(again.kind === "stream" && Buffer.from(await bytesOf(again.body)).equals(Buffer.from(image.layer.bytes))).toBe(true);
    await until("the blob stored again", () => findBlob(kit.database.db, image.layer.digest) !== undefined);
    expect(sha256(readFileSync(kit.store.path(image.layer.digest)))).toBe(image.layer.digest);

    // The local blob comes back by a push of the same bytes, and the next scrub finds nothing.
    await kit.repo("local/app").monolithicUpload(local.layer, new Response(local.layerBytes).body);
    const next = await scrub(kit, false);
    expect(next).toMatchObject({ state: "done", corrupt: 0, missing: 0 });
  });

  test("a layer shared by a cached and a local image is reported as local, with both users", async () => {
    kit = await cacheKit();
    const image = await cacheImage(kit);
    const local = await pushLocal(kit, new Uint8Array(image.layer.bytes));
    expect(local.layer).toBe(image.layer.digest);
    flipByte(kit, image.layer.digest);
    const run = await scrub(kit, false);
    expect(run.findings).toMatchObject([
      {
        digest: image.layer.digest,
        owner: "local",
        users: [
          { repository: "hub/lib/app", local: false, manifests: [{ digest: image.digest, tags: ["v1"] }] },
          { repository: "local/app", local: true, manifests: [{ digest: local.manifest, tags: ["v1"] }] },
        ],
      },
    ]);
    // The cached image gets it back from the upstream; until then the local one answers unknown.
    expect(kit.database.client.prepare("select repository from prefetch_jobs where digest = ?").all(image.layer.digest)).toEqual([{ repository: "hub/lib/app" }]);
    await expect(kit.repo("local/app").getBlob(local.layer, { head: false, range: false })).rejects.toBeInstanceOf(BlobUnknown);
    const again = await kit.repo("hub/lib/app").getBlob(image.layer.digest, { head: false, range: false });
    if (again.kind === "stream") await bytesOf(again.body);
    await until("the layer stored again", () => findBlob(kit.database.db, image.layer.digest) !== undefined);
    // Back in the store, verified: the local image serves it again without a push.
    const served = await kit.repo("local/app").getBlob(local.layer, { head: false, range: false });
    expect(served.kind).toBe("file");
    expect(served.kind === "file" && sha256(readFileSync(served.path))).toBe(local.layer);
  });

  test("a blob deleted from a local repository by hand is not linked back when another repository pushes it", async () => {
    kit = await cacheKit();
    const local = await pushLocal(kit);
    await kit.repo("local/app").deleteBlob(local.layer);
    await kit.repo("local/other").monolithicUpload(local.layer, new Response(local.layerBytes).body);
    await expect(kit.repo("local/app").getBlob(local.layer, { head: false, range: false })).rejects.toBeInstanceOf(BlobUnknown);
  });

  test("right bytes under a row with the wrong size: the row is corrected, nothing is removed", async () => {
    kit = await cacheKit();
    const image = await cacheImage(kit);
    const setSize = kit.database.client.prepare("update blobs set size = ? where digest = ?");
    setSize.run(7, image.layer.digest);
    const dry = await scrub(kit, true);
    expect(dry).toMatchObject({ corrupt: 0, missing: 0 });
    expect(findBlob(kit.database.db, image.layer.digest)?.size).toBe(7);
    await scrub(kit, false);
    expect(findBlob(kit.database.db, image.layer.digest)?.size).toBe(image.layer.bytes.byteLength);
    expect(existsSync(kit.store.path(image.layer.digest))).toBe(true);
    expect(kit.logs.find((l) => l.msg === "scrub corrected the recorded size of a blob")).toMatchObject({ digest: image.layer.digest, recorded_size: 7, size: image.layer.bytes.byteLength });
  });

  test("an unreadable blob is reported and left in place; the run goes on to the others", async () => {
    kit = await cacheKit();
    const image = await cacheImage(kit);
    // A directory under the blob's name: opening works, reading fails (EISDIR), as a bad sector's EIO would.
    const path = kit.store.path(image.layer.digest);
    rmSync(path);
    mkdirSync(path);
    const run = await scrub(kit, false);
    expect(run).toMatchObject({ state: "done", checked_blobs: 2, unreadable: 1, corrupt: 0, missing: 0 });
    expect(run.findings).toMatchObject([{ digest: image.layer.digest, problem: "unreadable", owner: "cached", action: "left-in-place", error: expect.stringMatching(/EISDIR/) }]);
    expect(findBlob(kit.database.db, image.layer.digest)).toBeDefined();
    expect(metric(kit, 'regcache_scrub_problems_total{owner="cached",problem="unreadable"}')).toMatch(/ 1$/);
  });

  test("a missing file: its row is removed (dry run: only reported)", async () => {
    kit = await cacheKit();
    const image = await cacheImage(kit);
    rmSync(kit.store.path(image.config.digest));
    const dry = await scrub(kit, true);
    expect(dry.findings).toMatchObject([{ digest: image.config.digest, problem: "missing", owner: "cached", action: "would-remove-row" }]);
    expect(findBlob(kit.database.db, image.config.digest)).toBeDefined();
    const run = await scrub(kit, false);
    expect(run).toMatchObject({ missing: 1, corrupt: 0, findings: [{ digest: image.config.digest, problem: "missing", action: "row-removed" }] });
    expect(findBlob(kit.database.db, image.config.digest)).toBeUndefined();
    expect(metric(kit, 'regcache_scrub_problems_total{owner="cached",problem="missing"}')).toMatch(/ 1$/);
  });

  test("one scrub at a time: a second answers with the running one's progress; shutdown stops it", async () => {
    // 1 KiB/s over ~10 KiB of blobs: the first run is still reading when the second is asked for.
    kit = await cacheKit({ storageToml: 'scrub_rate = "1KiB/s"' });
    await cacheImage(kit);
    await pushLocal(kit);
    const first = kit.services.scrub.begin(false);
    let refused: unknown;
    try {
      kit.services.scrub.begin(true);
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(ScrubRunning);
    expect((refused as ScrubRunning).run).toBe(first);
    expect(kit.services.scrub.status().running?.id).toBe(first.id);
    await kit.services.scrub.runs.stop();
    expect(first.state).toBe("stopped");
    expect(kit.services.scrub.status()).toMatchObject({ running: null, last: { id: first.id, state: "stopped" } });
    expect(kit.services.scrub.begin(true).state).toBe("running");
  });

  test("a repair run stopped part-way: the next scheduled run continues after its last blob; one asked for by hand starts over", async () => {
    kit = await cacheKit({ storageToml: 'scrub_rate = "1KiB/s"' });
    await cacheImage(kit);
    await pushLocal(kit);
    const digests = blobPage(kit.database.db, 10).map((r) => r.digest);
    expect(digests).toHaveLength(4);
    const first = kit.services.scrub.begin(false, "schedule");
    expect(first.resumed_after).toBeNull();
    await until("a blob checked", () => first.checked_blobs >= 1);
    await kit.services.scrub.runs.stop();
    const done = first.checked_blobs;
    expect(done).toBeLessThan(4);
    expect(findScrubCursor(kit.database.db)).toEqual({ runId: first.id, after: digests[done - 1] });
    // A dry run neither uses nor moves it.
    const dry = kit.services.scrub.begin(true, "schedule");
    expect(dry).toMatchObject({ resumed_after: null, total_blobs: 4 });
    await until("the dry run checks a blob", () => dry.checked_blobs >= 1);
    await kit.services.scrub.runs.stop();
    expect(findScrubCursor(kit.database.db)).toEqual({ runId: first.id, after: digests[done - 1] });

    const resumed = kit.services.scrub.begin(false, "schedule");
    expect(resumed).toMatchObject({ resumed_after: digests[done - 1], total_blobs: 4 - done });
    await until("the resumed run checks a blob", () => resumed.checked_blobs >= 1);
    await kit.services.scrub.runs.stop();
    expect(findScrubCursor(kit.database.db)).toEqual({ runId: resumed.id, after: digests[done + resumed.checked_blobs - 1] });
    expect(kit.logs.filter((l) => l.msg === "scrub started").at(-1)).toMatchObject({ id: resumed.id, resumed_after: digests[done - 1] });

    const byHand = kit.services.scrub.begin(false, "api");
    expect(byHand).toMatchObject({ resumed_after: null, total_blobs: 4 });
    await kit.services.scrub.runs.stop();
  });

  test("a run that gets to the end clears where an interrupted one stopped; a resumed run checks only what is left", async () => {
    kit = await cacheKit();
    await cacheImage(kit);
    await pushLocal(kit);
    const digests = blobPage(kit.database.db, 10).map((r) => r.digest);
    saveScrubCursor(kit.database.db, "earlier-run", digests[1]!, 0);
    const resumed = await scrubScheduled(kit);
    expect(resumed).toMatchObject({ state: "done", resumed_after: digests[1], total_blobs: 2, checked_blobs: 2 });
    expect(findScrubCursor(kit.database.db)).toBeUndefined();
    const next = await scrubScheduled(kit);
    expect(next).toMatchObject({ state: "done", resumed_after: null, total_blobs: 4, checked_blobs: 4 });
  });

  test("the admin API: start, poll, refuse a second run, unknown run, bad body", async () => {
    kit = await cacheKit({ storageToml: 'scrub_rate = "1KiB/s"' });
    await cacheImage(kit);
    const api = (method: string, path: string, body?: string) =>
      kit.services.http.extraRoutes![0]!.fetch(new Request(`http://127.0.0.1/api/v1${path}`, { method, body, headers: { host: "127.0.0.1", ...(body === undefined ? {} : { "content-type": "application/json" }) } }), { address: "127.0.0.1" });
    const started = await api("POST", "/scrub", '{"dry_run": true}');
    expect(started.status).toBe(202);
    const run = (await started.json()) as ScrubProgress;
    expect(started.headers.get("location")).toBe(`/api/v1/scrub/runs/${run.id}`);
    expect(run).toMatchObject({ dry_run: true, state: "running", trigger: "api", rate: 1024 });
    const second = await api("POST", "/scrub", "{}");
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ error: expect.stringMatching(/^a scrub is already running/), run: { id: run.id } });
    expect(await (await api("GET", `/scrub/runs/${run.id}`)).json()).toMatchObject({ id: run.id });
    expect(await (await api("GET", "/scrub")).json()).toMatchObject({ running: { id: run.id }, schedule: "0 4 * * 0", rate: 1024 });
    expect((await api("GET", "/scrub/runs/nope")).status).toBe(404);
    expect(await (await api("POST", "/scrub", '{"dry_run": "yes"}')).json()).toEqual({ error: "dry_run: expected true or false" });
    expect((await api("POST", "/scrub", "{not json")).status).toBe(400);
  });
});
