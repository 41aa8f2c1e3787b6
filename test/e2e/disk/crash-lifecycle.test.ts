// Issue 11, item 4: kill -9 at random moments during eviction and garbage collection,
// 10 times. After each restart: SQLite's integrity check passes, every blob row has its
// file and every file its row (start-up reconciliation), every remaining image pulls
// whole, and every file under blobs/ holds exactly the bytes of its digest.
import { Database } from "bun:sqlite";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeImage, type GeneratedImage } from "../../helpers/oci-image.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { pushBlob, sha256 } from "../oci-http.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { ACCEPT_MANIFESTS, prefetchToml, seed, upstreamToml } from "../prefetch/setup.ts";
import { waitUntilIdle } from "./setup.ts";

const ROUNDS = 10;
const CACHED = 8;

describe("kill -9 during eviction and GC", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let regcache: RegcacheProcess;
  const images: GeneratedImage[] = [];

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    for (let i = 0; i < CACHED; i++) images.push(makeImage({ layers: 2, layerSize: 128 * 1024 }));
    for (const [i, image] of images.entries()) await seed(upstream, work.path, `team/img${i}`, { "1": image });
    // Room for about four cached images: every pull past that evicts; GC every second.
    regcache = await startRegcache({
      extraToml: `max_size = "1400KiB"\nmin_free = "0"\ngc_grace = "1s"\ngc_schedule = "* * * * * *"\n` + prefetchToml({ complete_on_pull: false }) + upstreamToml("up", upstream.url),
    });
  }, 120_000);

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  const get = (path: string) => fetch(`${regcache.url}${path}`, { headers: { accept: ACCEPT_MANIFESTS }, signal: AbortSignal.timeout(30_000) });

  /** Pulls a manifest and all its blobs, verifying each digest; throws on any failure. */
  async function pullWhole(repo: string, reference: string): Promise<void> {
    const m = await get(`/v2/${repo}/manifests/${reference}`);
    if (m.status !== 200) throw new Error(`${repo}:${reference} manifest ${m.status}`);
    const doc = JSON.parse(await m.text()) as { config: { digest: string }; layers: { digest: string }[] };
    for (const d of [doc.config.digest, ...doc.layers.map((l) => l.digest)]) {
      const b = await get(`/v2/${repo}/blobs/${d}`);
      const bytes = new Uint8Array(await b.arrayBuffer());
      if (b.status !== 200 || sha256(bytes) !== d) throw new Error(`${repo} blob ${d}: ${b.status}`);
    }
  }

  /** Work that keeps eviction and GC busy until the process dies (its failures then are expected). */
  /** The local image kept in each repository (the others are deleted as they are replaced). */
  const kept: Record<string, string> = {};

  function load(round: number): { stop(): Promise<void> } {
    let stopped = false;
    const loops = [
      (async () => {
        for (let n = 0; !stopped; n++) await pullWhole(`up/team/img${(n + round) % CACHED}`, "1").catch(() => {});
      })(),
      (async () => {
        for (let n = 0; !stopped; n++) {
          // An image pushed and deleted again, and a blob never referenced: garbage for the GC.
          await (async () => {
            const repo = `local/r${round % 2}`;
            const layer = await pushBlob(regcache.url, repo, new Uint8Array(randomBytes(16 * 1024)));
            const config = await pushBlob(regcache.url, repo, new TextEncoder().encode(JSON.stringify({ os: "linux", n, round })));
            const doc = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config, size: JSON.stringify({ os: "linux", n, round }).length }, layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: layer, size: 16 * 1024 }] });
            const put = await fetch(`${regcache.url}/v2/${repo}/manifests/keep`, { method: "PUT", headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" }, body: doc });
            const digest = sha256(new TextEncoder().encode(doc));
            if (put.status === 201 && n % 2 === 1) await fetch(`${regcache.url}/v2/${repo}/manifests/${digest}`, { method: "DELETE" });
            // One kept image per repository at a time: local images are never evicted, and
            // untagged ones piling up would fill the small quota with pinned content.
            if (put.status === 201 && n % 2 === 0) {
              if (kept[repo]) await fetch(`${regcache.url}/v2/${repo}/manifests/${kept[repo]}`, { method: "DELETE" });
              kept[repo] = digest;
            }
            await pushBlob(regcache.url, repo, new Uint8Array(randomBytes(4 * 1024)));
          })().catch(() => {});
        }
      })(),
      (async () => {
        while (!stopped) {
          await fetch(`${regcache.url}/api/v1/storage/gc`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }).catch(() => {});
          await new Promise((r) => setTimeout(r, 150));
        }
      })(),
    ];
    return {
      stop: async () => {
        stopped = true;
        await Promise.all(loops);
      },
    };
  }

  /** Evictions and collections that removed something (a collection of nothing logs too). */
  const lifecycleLines = () => regcache.logs().filter((l) => l.msg === "evicted cached images" || (l.msg === "garbage collected" && Number(l.blobs) > 0)).length;

  test(`${ROUNDS} kills at random moments; after each restart the store is consistent and everything left pulls`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const work = load(round);
      // Kill while eviction or GC is at work: just after one of them logged, plus a random few ms.
      const seen = lifecycleLines();
      const deadline = Date.now() + 20_000;
      while (lifecycleLines() < seen + 1 + (round % 3)) {
        if (Date.now() > deadline) {
          const tail = regcache.logs().slice(-40).map((l) => JSON.stringify(l)).join("\n");
          throw new Error(`round ${round}: ${lifecycleLines() - seen} of ${1 + (round % 3)} evictions or collections in 20 s; the last log lines:\n${tail}`);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
      await regcache.kill9();
      await work.stop();
      // The restart reconciles; then a clean stop, so that files and rows are read while
      // nothing (the GC schedule, a last request) changes them between the two reads.
      await regcache.restart();
      await regcache.stop();

      const db = new Database(join(regcache.storageDir, "regcache.db"), { readonly: true });
      let manifests: { repo: string; digest: string; complete: number }[];
      try {
        expect((db.query("PRAGMA integrity_check").all() as { integrity_check: string }[]).map((r) => r.integrity_check)).toEqual(["ok"]);
        const rows = new Set((db.query("select digest from blobs").all() as { digest: string }[]).map((r) => r.digest));
        const files = new Set<string>();
        const root = join(regcache.storageDir, "blobs", "sha256");
        for (const prefix of existsSync(root) ? readdirSync(root) : []) {
          for (const hex of readdirSync(join(root, prefix))) {
            const bytes = readFileSync(join(root, prefix, hex));
            // Nothing unverified under a digest name.
            expect(`sha256:${createHash("sha256").update(bytes).digest("hex")}`).toBe(`sha256:${hex}`);
            files.add(`sha256:${hex}`);
          }
        }
        expect([...rows].filter((d) => !files.has(d)), `round ${round}: rows without files`).toEqual([]);
        expect([...files].filter((d) => !rows.has(d)), `round ${round}: files without rows`).toEqual([]);
        manifests = db
          .query(`select r.name as repo, m.digest as digest,
            not exists (select 1 from manifest_refs mr where mr.manifest_id = m.id and mr.kind = 'blob' and not exists (select 1 from blobs b where b.digest = mr.digest)) as complete
            from manifests m join repositories r on r.id = m.repository_id`)
          .all() as { repo: string; digest: string; complete: number }[];
      } finally {
        db.close();
      }
      await regcache.restart();
      // Every remaining image pulls whole: the complete ones from the store; a cached one a kill
      // left incomplete fetches what it lacks from the upstream, which needs room under this
      // tight quota: served images are held for a few seconds, so wait for that to pass.
      for (const m of manifests.filter((m) => m.complete)) await pullWhole(m.repo, m.digest);
      for (const m of manifests.filter((m) => !m.complete)) {
        await waitUntilIdle(regcache);
        await pullWhole(m.repo, m.digest);
      }
    }
    const fixes = regcache.logs().filter((l) => l.msg.startsWith("reconcile:"));
    // How often a kill landed between a commit and its unlink (or a rename and its record).
    console.info(`reconciliation fixes over ${ROUNDS} kills: ${fixes.map((l) => `${l.msg} (${l.count})`).join("; ") || "none"}`);
  }, 300_000);
});
