// Issue 4, item 3: regcache is killed with SIGKILL while its queue holds 4 images of 4
// layers; after a restart the queue resumes by itself and every image becomes complete.
// The upstream's access log shows that nothing complete and verified before the kill
// was downloaded again.
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeImage, type GeneratedImage } from "../../helpers/oci-image.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { clientRequests, fetchOk, images, isStored, prefetchToml, seed, upstreamToml, waitFor } from "./setup.ts";

const LAYER = 512 * 1024;

/** Jobs left in the queue file of a stopped regcache. */
function queuedJobs(regcache: RegcacheProcess): number {
  const db = new Database(join(regcache.storageDir, "regcache.db"), { readonly: true });
  try {
    return (db.query("SELECT count(*) AS n FROM prefetch_jobs").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe("kill -9 with a full queue", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let regcache: RegcacheProcess;
  const all: GeneratedImage[] = [];

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    for (let i = 0; i < 4; i++) {
      all.push(makeImage({ layers: 4, layerSize: LAYER }));
      await seed(upstream, work.path, `team/app${i}`, { v1: all[i]! });
    }
    // 20 blobs (~8 MiB) at 1 MiB/s: the queue is still full a few seconds in.
    regcache = await startRegcache({ extraToml: prefetchToml({ max_bandwidth: "1MiB/s", pull_delay: "0s", concurrency: 2 }) + upstreamToml("up", upstream.url) });
  });

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  test("after the restart every image completes, and no verified blob is fetched twice", async () => {
    upstream.resetAccessLog();
    for (let i = 0; i < 4; i++) await fetchOk(regcache, `/v2/up/team/app${i}/manifests/v1`);
    const blobs = all.flatMap((image) => [image.digests.config, ...image.digests.layers]);
    await waitFor("a few layers in the store", () => blobs.filter((d) => isStored(regcache, d)).length >= 4, 20_000);

    const status = await regcache.kill9();
    expect(status.signal).toBe("SIGKILL");
    const storedBeforeKill = blobs.filter((d) => isStored(regcache, d));
    expect(storedBeforeKill.length).toBeLessThan(blobs.length - 4);
    expect(queuedJobs(regcache)).toBeGreaterThanOrEqual(blobs.length - storedBeforeKill.length);

    const clientsBefore = clientRequests(regcache, "/v2/up/").length;
    await regcache.restart();
    await waitFor("every image complete", async () => {
      const rows = await images(regcache);
      return rows.length === 4 && rows.every((r) => r.complete);
    }, 60_000);
    // Nobody asked after the restart: the queue resumed by itself.
    expect(clientRequests(regcache, "/v2/up/").length).toBe(clientsBefore);
    expect(blobs.every((d) => isStored(regcache, d))).toBe(true);
    expect(queuedJobs(regcache)).toBe(0);

    const gets = (d: string) => upstream.countRequests({ method: "GET", path: new RegExp(`/blobs/${d}$`) });
    for (const d of storedBeforeKill) expect(gets(d), `verified before the kill: ${d}`).toBe(1);
    // Downloads cut by the kill start over once; nothing more.
    for (const d of blobs) expect(gets(d)).toBeLessThanOrEqual(2);
    expect(blobs.reduce((n, d) => n + gets(d), 0)).toBeLessThanOrEqual(blobs.length + 2);
  });
});
