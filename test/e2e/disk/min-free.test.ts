// Issue 11, item 2: storage.min_free on a small tmpfs. skopeo pulls image after image
// through regcache: each pull works while older cached content is evicted to keep
// min_free, and the file system never drops below it. Once everything left is pinned
// (an immutability policy over the upstream's namespace), a pull of new content gets
// 507 INSUFFICIENT_STORAGE before any byte, and nothing partial stays behind.
import { mkdtempSync, readdirSync, rmSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { pullToLayout } from "../../helpers/clients.ts";
import { makeImage, type GeneratedImage } from "../../helpers/oci-image.ts";
import { runCommand } from "../../helpers/processes.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { errorCodes } from "../oci-http.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { ACCEPT_MANIFESTS, api, prefetchToml, seed, upstreamToml } from "../prefetch/setup.ts";
import { du, imageBytes, waitUntilIdle } from "./setup.ts";

const TMPFS_MIB = 32;
const MIN_FREE = 6 * 1024 * 1024;
const COUNT = 16;

describe("min_free on a small tmpfs", () => {
  let work: TempDir;
  let mountPoint: string;
  let upstream: UpstreamRegistry;
  let regcache: RegcacheProcess;
  const images: GeneratedImage[] = [];

  beforeAll(async () => {
    work = makeTempDir();
    mountPoint = mkdtempSync(join(tmpdir(), "regcache-minfree-"));
    // Loud failure, not a skip: the test needs root to mount (CI runs as root).
    await runCommand("mount", ["-t", "tmpfs", "-o", `size=${TMPFS_MIB}m`, "tmpfs", mountPoint]);
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    for (let i = 0; i < COUNT + 3; i++) images.push(makeImage({ layers: 2, layerSize: 1024 * 1024 }));
    for (const [i, image] of images.entries()) await seed(upstream, work.path, `team/img${i}`, { "1": image });
    regcache = await startRegcache({
      storageDir: join(mountPoint, "storage"),
      extraToml: `min_free = "${MIN_FREE}B"\ngc_schedule = ""\n` + prefetchToml({ complete_on_pull: false }) + upstreamToml("up", upstream.url),
    });
  }, 180_000);

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
    await runCommand("umount", [mountPoint], { allowFailure: true });
    rmSync(mountPoint, { recursive: true, force: true });
  });

  const free = () => {
    const s = statfsSync(mountPoint);
    return s.bavail * s.bsize;
  };

  test(`${COUNT} pulls of ~2 MiB images into ${TMPFS_MIB} MiB all work; older images are evicted to keep ${MIN_FREE >> 20} MiB free`, async () => {
    expect(COUNT * imageBytes(images[0]!)).toBeGreaterThan(TMPFS_MIB * 1024 * 1024);
    let lowest = Infinity;
    const timer = setInterval(() => (lowest = Math.min(lowest, free())), 5);
    try {
      for (let i = 0; i < COUNT; i++) {
        await pullToLayout(`${regcache.host}/up/team/img${i}:1`, join(work.path, `out${i}`), "1");
        rmSync(join(work.path, `out${i}`), { recursive: true, force: true });
      }
    } finally {
      clearInterval(timer);
    }
    const evictions = regcache.logs().filter((l) => l.msg === "evicted cached images");
    expect(evictions.length).toBeGreaterThan(0);
    expect(evictions.every((l) => l.reason === "min_free")).toBe(true);
    const evicted = evictions.flatMap((l) => (l.images as string[]).map((i) => Number(i.split("@")[0]!.slice("up/team/img".length))));
    // Oldest first, and the newest are kept.
    expect(evicted).toEqual([...evicted].sort((a, b) => a - b));
    expect(evicted).not.toContain(COUNT - 1);
    // SQLite's own writes (its WAL, which does not shrink) are not charged: near the floor the
    // quota asks the file system every 100 ms, so the floor is undercut by at most what SQLite
    // wrote since.
    expect(lowest).toBeGreaterThan(MIN_FREE - 1024 * 1024);
  }, 240_000);

  test("with everything left pinned, a pull of new content gets 507 before any byte and leaves nothing behind", async () => {
    // Served blobs are leased for a few seconds: let them go, so that only pins keep content.
    await waitUntilIdle(regcache);
    const created = await api<{ uuid: string }>(regcache, "/organization/up/immutabilitypolicy/", { method: "POST", body: JSON.stringify({ tagPattern: ".*" }) });
    expect(created.uuid).toBeTruthy();
    const before = await du(regcache);
    expect(before.store.evictable_bytes).toBe(0);
    const keptRepos = before.upstreams[0]!.repositories.filter((r) => r.images > 0).map((r) => r.name);
    let refused: Response | undefined;
    for (let i = COUNT; i < COUNT + 3 && !refused; i++) {
      const name = `up/team/img${i}`;
      expect((await fetch(`${regcache.url}/v2/${name}/manifests/1`, { headers: { accept: ACCEPT_MANIFESTS } })).status).toBe(200);
      for (const digest of [images[i]!.digests.config, ...images[i]!.digests.layers]) {
        const r = await fetch(`${regcache.url}/v2/${name}/blobs/${digest}`);
        if (r.status === 507) {
          refused = r;
          break;
        }
        expect(r.status).toBe(200);
        await r.arrayBuffer();
      }
    }
    expect(refused, "a pull of new content was refused once only pinned content was left").toBeDefined();
    expect(await errorCodes(refused!)).toEqual(["INSUFFICIENT_STORAGE"]);
    expect(readdirSync(join(regcache.storageDir, "tmp"))).toEqual([]);
    // Nothing pinned was evicted for it, and every kept image still pulls whole.
    const after = await du(regcache);
    for (const name of keptRepos) expect(after.upstreams[0]!.repositories.some((r) => r.name === name && r.images > 0)).toBe(true);
    for (const name of keptRepos.slice(-2)) await pullToLayout(`${regcache.host}/${name}:1`, join(work.path, `again-${name.replaceAll("/", "_")}`), "1");
  }, 120_000);
});
