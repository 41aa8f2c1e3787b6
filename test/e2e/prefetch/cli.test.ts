// Issue 4, item 6: `regcache prefetch` asks the running server to pull images completely.
// On a terminal (run under `script`, which gives it a pty) it draws progress bars and ends
// with a summary line; without one it prints plain lines; an image that cannot be
// completed makes it exit 1, naming the image and why.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeImage, makeIndex, type GeneratedImage, type GeneratedIndex } from "../../helpers/oci-image.ts";
import { runCommand } from "../../helpers/processes.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { BINARY, startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { images, isStored, prefetchToml, seed, upstreamToml } from "./setup.ts";

// A pty's output, with the terminal control sequences removed.
const strip = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");

describe("regcache prefetch", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let regcache: RegcacheProcess;
  let app: GeneratedImage;
  let multi: GeneratedIndex;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    app = makeImage({ layers: 3, layerSize: 1024 * 1024 });
    multi = makeIndex({ layers: 2, layerSize: 512 * 1024 });
    await seed(upstream, work.path, "team/app", { v1: app });
    await seed(upstream, work.path, "team/multi", { v1: multi });
    await seed(upstream, work.path, "team/plain", { v1: makeImage({ layers: 2 }) });
    // 5 MiB at 2 MiB/s: a couple of seconds of progress to draw.
    regcache = await startRegcache({ extraToml: prefetchToml({ max_bandwidth: "2MiB/s" }) + upstreamToml("up", upstream.url) });
  });

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  test("on a terminal: progress bars, then a summary line", async () => {
    const command = `${BINARY} prefetch --server ${regcache.url} up/team/app:v1 up/team/multi:v1`;
    const { code, stdout } = await runCommand("script", ["-qec", command, "/dev/null"], { allowFailure: true, timeoutMs: 60_000 });
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/\u001b\[/); // drawn with terminal control sequences
    const text = strip(stdout);
    expect(text).toMatch(/up\/team\/app:v1 \[[█░]{30}\] +\d+% \| [\d.]+ (KiB|MiB) \/ 3\.0 MiB/);
    expect(text).toMatch(/ {4}sha256:[0-9a-f]{12} \[[█░]{30}\]/); // a blob's own bar
    expect(text).toMatch(/✔ up\/team\/app:v1 \[█{30}\] 100%/);
    expect(text).toMatch(/✔ up\/team\/multi:v1 \[█{30}\] 100%/);
    expect(text.trim().split("\n").at(-1)).toMatch(/^prefetched 2 of 2 image\(s\) completely: 10 blobs, 5\.0 MiB, 5\.0 MiB downloaded in [\d.]+ s$/);
    for (const d of [app.digests.config, ...app.digests.layers, ...multi.images.flatMap((i) => [i.digests.config, ...i.digests.layers])]) expect(isStored(regcache, d)).toBe(true);
  });

  test("without a terminal: plain lines; a missing image exits 1 naming it and why", async () => {
    const { code, stdout, stderr } = await runCommand(BINARY, ["prefetch", "--server", regcache.url, "up/team/plain:v1", "up/team/missing:v1"], { allowFailure: true, timeoutMs: 60_000 });
    expect(code).toBe(1);
    expect(stdout).not.toMatch(/\u001b/);
    const lines = stdout.trim().split("\n");
    expect(lines).toContain("up/team/plain:v1: complete");
    expect(lines.some((l) => /^up\/team\/plain:v1: sha256:[0-9a-f]{64}: 3 blobs, [\d.]+ KiB \(0 B already cached\)$/.test(l))).toBe(true);
    expect(lines.filter((l) => /^up\/team\/plain:v1: blob sha256:[0-9a-f]{12} [\d.]+ (B|KiB) done$/.test(l))).toHaveLength(3);
    expect(lines).toContain(`up/team/missing:v1: failed: upstream "up" failed: http-404 (HTTP 404 MANIFEST_UNKNOWN)`);
    expect(lines.at(-1)).toMatch(/^prefetch incomplete: 1 of 2 image\(s\) complete, 1 not: /);
    expect(stderr).toBe(`regcache: prefetch: up/team/missing:v1: upstream "up" failed: http-404 (HTTP 404 MANIFEST_UNKNOWN)\n`);
    expect((await images(regcache)).find((i) => i.repository === "up/team/plain")?.complete).toBe(true);
  });

  test("a bad reference is refused at once; no server is a one-line error", async () => {
    const bad = await runCommand(BINARY, ["prefetch", "--server", regcache.url, "Up/Team"], { allowFailure: true });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^regcache: prefetch: "Up\/Team": expected a reference like/);
    const none = await runCommand(BINARY, ["prefetch", "--server", "http://127.0.0.1:9", "up/team/app:v1"], { allowFailure: true });
    expect(none.code).toBe(1);
    expect(none.stderr.trim().split("\n")).toHaveLength(1);
    expect(none.stderr).toMatch(/^regcache: prefetch: cannot reach regcache at http:\/\/127\.0\.0\.1:9/);
    const usage = await runCommand(BINARY, ["prefetch"], { allowFailure: true });
    expect(usage.code).toBe(2);
  });
});
