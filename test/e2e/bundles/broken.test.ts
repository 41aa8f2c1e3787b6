// Issue 13, bundles: what a damaged bundle does. One flipped byte in one layer:
// that image is refused and named (exit 1), the other imported. A bundle cut
// short (an interrupted copy or transfer): exit 1, and the rerun with the
// whole file completes, skipping what the first run stored.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { skopeoCopy } from "../../helpers/clients.ts";
import type { GeneratedImage, GeneratedIndex } from "../../helpers/oci-image.ts";
import { runCommand } from "../../helpers/processes.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import type { UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { BINARY, type RegcacheProcess } from "../regcache-process.ts";
import { isStored } from "../prefetch/setup.ts";
import { airGapped, appliance, bodyOffset, cli, manifestVia, upstreamWithTwoImages } from "./setup.ts";

const strip = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");

describe("importing a damaged bundle", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let a: RegcacheProcess;
  const sites: RegcacheProcess[] = [];
  let app: GeneratedImage;
  let multi: GeneratedIndex;
  let bundle: string;

  const site = async () => {
    const s = await airGapped();
    sites.push(s);
    return s;
  };

  beforeAll(async () => {
    work = makeTempDir();
    ({ upstream, app, multi } = await upstreamWithTwoImages(work.path));
    a = await appliance(upstream.url);
    bundle = join(work.path, "bundle.tar");
    const list = join(work.path, "images.txt");
    writeFileSync(list, "# what the site needs\nquay.io/org/app:1.2\n\nquay.io/org/multi:v1\n");
    const { code, stderr } = await cli(["export", "--server", a.url, "--out", bundle, "--images", list]);
    if (code !== 0) throw new Error(stderr);
  });

  afterAll(async () => {
    await a?.dispose();
    for (const s of sites) await s.dispose();
    await upstream?.stop();
    work?.remove();
  });

  test("a flipped byte in one layer: that image is refused and named, the other imported", async () => {
    const broken = join(work.path, "broken.tar");
    copyFileSync(bundle, broken);
    const bytes = readFileSync(broken);
    const at = bodyOffset(broken, app.digests.layers[0]) + 100;
    bytes[at] ^= 0x01;
    writeFileSync(broken, bytes);

    const b = await site();
    const { code, stdout, stderr } = await cli(["import", "--server", b.url, broken]);
    expect(code).toBe(1);
    expect(stderr).toContain(`regcache: import: quay.io/org/app:1.2: broken or missing in the bundle: ${app.digests.layers[0]} (content digest sha256:`);
    expect(stdout).toContain(`quay.io/org/multi:v1: imported ${multi.digests.index}`);
    expect(isStored(b, app.digests.layers[0])).toBe(false);
    expect((await manifestVia(b, "quay.io/org/multi", "v1")).cache).toBe("HIT");
    // The refused image is not half there: its tag is unknown, and with no upstream that is an error.
    expect((await manifestVia(b, "quay.io/org/app", "1.2")).status).not.toBe(200);
  });

  test("a bundle cut short fails; the rerun with the whole file completes and skips what is stored", async () => {
    const cut = join(work.path, "cut.tar");
    const bytes = readFileSync(bundle);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.byteLength * 0.6)));
    const b = await site();
    const first = await cli(["import", "--server", b.url, cut]);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/^regcache: import: not a valid tar archive: archive ends in the middle of an entry/);

    const rerun = await cli(["import", "--server", b.url, bundle]);
    expect(rerun.code, rerun.stderr).toBe(0);
    const skipped = Number(/(\d+) already present/.exec(rerun.stdout)?.[1]);
    expect(skipped).toBeGreaterThan(0);
    await skopeoCopy(`docker://${b.host}/quay.io/org/multi:v1`, `oci:${join(work.path, "rerun")}:v1`, { all: true });
    expect((await manifestVia(b, "quay.io/org/app", "1.2")).cache).toBe("HIT");
  });

  test("on a terminal: a progress bar; --images picks one image of the bundle", async () => {
    const b = await site();
    const list = join(work.path, "only-app.txt");
    writeFileSync(list, "quay.io/org/app:1.2\n");
    const { code, stdout } = await runCommand("script", ["-qec", `${BINARY} import --server ${b.url} --images ${list} ${bundle}`, "/dev/null"], { allowFailure: true, timeoutMs: 60_000 });
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/\u001b\[/);
    const text = strip(stdout);
    expect(text).toMatch(/import .*bundle\.tar \[█{30}\] 100% \| [\d.]+ (KiB|MiB) \/ [\d.]+ (KiB|MiB)/);
    // Only app's manifest, config and two layers travel: multi's blobs stay out of the store.
    expect(text).toMatch(/imported 1 of 1 image\(s\): 4 blobs written, 0 already present, 0 broken/);
    expect(isStored(b, multi.images[0].digests.layers[0])).toBe(false);
    expect((await manifestVia(b, "quay.io/org/multi", "v1")).status).not.toBe(200);
  });
});
