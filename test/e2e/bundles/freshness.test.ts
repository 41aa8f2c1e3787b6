// Issue 13, bundles: imported tags count as confirmed at the export time the
// bundle records (io.regcache.exported-at on index.json), so ttl and staleness
// run from then; --fresh-for overrides that. With ttl 1h and staleness 1h, a
// bundle exported 90 minutes ago serves STALE (its upstream unreachable), and
// the same bundle imported --fresh-for 1h serves HIT. --platform narrows an index.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeIndex, type GeneratedIndex } from "../../helpers/oci-image.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import type { RegcacheProcess } from "../regcache-process.ts";
import { seed } from "../prefetch/setup.ts";
import { airGapped, appliance, cli, manifestVia } from "./setup.ts";

describe("the age of imported tags", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let a: RegcacheProcess;
  let b: RegcacheProcess;
  let multi: GeneratedIndex;
  let dir: string;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    multi = makeIndex({ layers: 1, layerSize: 64 * 1024 });
    await seed(upstream, work.path, "org/multi", { v1: multi });
    a = await appliance(upstream.url);
    b = await airGapped();
    dir = join(work.path, "bundle");
    mkdirSync(dir);
    const { code, stderr } = await cli(["export", "--server", a.url, "--platform", "linux/amd64", "--out", dir, "quay.io/org/multi:v1"]);
    if (code !== 0) throw new Error(stderr);
  });

  afterAll(async () => {
    await a?.dispose();
    await b?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  test("--platform keeps one child of the index and its blobs, leaves the other out", () => {
    const [amd64, arm64] = multi.images;
    expect(existsSync(join(dir, "blobs/sha256", amd64.digests.manifest.slice(7)))).toBe(true);
    expect(existsSync(join(dir, "blobs/sha256", amd64.digests.layers[0].slice(7)))).toBe(true);
    expect(existsSync(join(dir, "blobs/sha256", arm64.digests.manifest.slice(7)))).toBe(false);
    expect(existsSync(join(dir, "blobs/sha256", arm64.digests.layers[0].slice(7)))).toBe(false);
  });

  test("the export time in the bundle dates the tag: 90 minutes old is STALE, --fresh-for 1h is HIT", async () => {
    const indexPath = join(dir, "index.json");
    const index = JSON.parse(readFileSync(indexPath, "utf8")) as { annotations: Record<string, string> };
    const exportedAt = Date.parse(index.annotations["io.regcache.exported-at"]);
    expect(Math.abs(Date.now() - exportedAt)).toBeLessThan(10 * 60_000);
    index.annotations["io.regcache.exported-at"] = new Date(Date.now() - 90 * 60_000).toISOString();
    writeFileSync(indexPath, JSON.stringify(index));

    const old = await cli(["import", "--server", b.url, dir]);
    expect(old.code, old.stderr).toBe(0);
    const stale = await manifestVia(b, "quay.io/org/multi", "v1");
    expect(stale.status).toBe(200);
    expect(stale.cache).toBe("STALE");
    // The platform in the bundle is served; the one left out is not there to serve.
    expect((await manifestVia(b, "quay.io/org/multi", multi.digests.manifests[0])).status).toBe(200);
    expect((await manifestVia(b, "quay.io/org/multi", multi.digests.manifests[1])).status).not.toBe(200);

    const fresh = await cli(["import", "--server", b.url, "--fresh-for", "1h", dir]);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect((await manifestVia(b, "quay.io/org/multi", "v1")).cache).toBe("HIT");
  });
});
