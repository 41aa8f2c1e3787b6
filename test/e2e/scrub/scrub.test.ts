// Issue 11, item 5, with the compiled binary: one byte flipped in a stored cached layer
// (pulled by skopeo through regcache from Debian's docker-registry) and one in a layer of
// a local repository (pushed by skopeo). `regcache scrub` finds both: the cached one is
// moved to quarantine, fetched again from the upstream by the prefetcher and pulls
// correctly; the local one is reported by name (log, API, CLI) and no longer served.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { pullToLayout, pushLayout } from "../../helpers/clients.ts";
import { makeImage, sha256, writeOciLayout, type GeneratedImage } from "../../helpers/oci-image.ts";
import { runCommand } from "../../helpers/processes.ts";
import { makeTempDir, useTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { api, prefetchToml, upstreamToml } from "../prefetch/setup.ts";
import { get, isStored, seed, storedBlobPath, waitUntilStored } from "../pull-through/setup.ts";
import { BINARY, startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import type { ScrubProgress } from "../../../src/scrub/progress.ts";

// A pty's output, with the terminal control sequences removed.
const strip = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "").replace(/\u001b[78]/g, "").replace(/\r/g, "");

function flipByte(path: string): void {
  const bytes = readFileSync(path);
  bytes[bytes.length >> 1] ^= 0xff;
  writeFileSync(path, bytes);
}

describe("scrub of a cached and a local blob", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let regcache: RegcacheProcess;
  let cached: GeneratedImage;
  let local: GeneratedImage;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    cached = makeImage({ layers: 2, layerSize: 512 * 1024 });
    local = makeImage({ layers: 2, layerSize: 256 * 1024 });
    await seed(upstream, work.path, "team/app", { v1: cached });
    // complete_on_pull off: what the upstream sees after the scrub is the scrub's repair only.
    regcache = await startRegcache({ extraToml: prefetchToml({ complete_on_pull: false }) + upstreamToml("up", upstream.url) });
    await pullToLayout(`${regcache.host}/up/team/app:v1`, join(work.path, "pulled"), "v1");
    for (const d of [cached.digests.config, ...cached.digests.layers]) await waitUntilStored(regcache, d);
    const layout = join(work.path, "local-layout");
    await writeOciLayout(layout, { v1: local });
    await pushLayout(layout, "v1", `${regcache.host}/myteam/tool:v1`);
  });

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  const badCached = () => cached.digests.layers[1]!;
  const badLocal = () => local.digests.layers[0]!;

  test("a dry run reports both and changes nothing", async () => {
    flipByte(storedBlobPath(regcache, badCached()));
    flipByte(storedBlobPath(regcache, badLocal()));
    const before = readFileSync(storedBlobPath(regcache, badCached()));
    const { code, stdout, stderr } = await runCommand(BINARY, ["scrub", "--server", regcache.url, "--dry-run"], { allowFailure: true, timeoutMs: 60_000 });
    expect(code, stderr).toBe(1); // a local blob is bad: a person has to act
    const lines = stdout.trim().split("\n");
    expect(lines.filter((l) => l.includes("would move to quarantine"))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(/^scrub \(dry run\) done: 6 of 6 blobs, [\d.]+ (KiB|MiB) checked in [\d.]+ s; 2 corrupt, 0 missing$/);
    expect(stderr).toBe(`regcache: scrub: local blob ${badLocal()} is corrupt; push the image(s) using it again\n`);
    expect(readFileSync(storedBlobPath(regcache, badCached())).equals(before)).toBe(true);
    expect(readdirSync(regcache.storageDir)).not.toContain("quarantine");
  });

  test("the scrub quarantines both, names the local one, and the cached one is fetched again and pulls correctly", async () => {
    upstream.resetAccessLog();
    const { code, stdout, stderr } = await runCommand(BINARY, ["scrub", "--server", regcache.url, "--plain"], { allowFailure: true, timeoutMs: 60_000 });
    expect(code, stderr).toBe(1);
    const lines = stdout.trim().split("\n");
    const cachedLine = lines.find((l) => l.startsWith(`cached blob ${badCached()}`));
    expect(cachedLine).toMatch(new RegExp(`: corrupt \\(holds sha256:[0-9a-f]{64}, [\\d.]+ KiB\\); moved to quarantine quarantine/\\S+; fetched again from its upstream; used by up/team/app@${cached.digests.manifest} \\(v1\\)$`));
    const localLine = lines.find((l) => l.startsWith(`local blob ${badLocal()}`));
    expect(localLine).toMatch(new RegExp(`; moved to quarantine quarantine/\\S+; push it again; used by myteam/tool@${local.digests.manifest} \\(v1\\)$`));
    expect(lines.at(-1)).toMatch(/^scrub done: 6 of 6 blobs, .*; 2 corrupt, 0 missing$/);
    expect(stderr).toContain(`local blob ${badLocal()} is corrupt`);

    // Logged by name, and in the API's answer.
    const logged = await regcache.waitForLog(/scrub found a corrupt blob of a local repository/);
    expect(logged).toMatchObject({ level: "error", digest: badLocal(), owner: "local", used_by: [`myteam/tool@${local.digests.manifest} (v1)`] });
    const status = await api<{ last: ScrubProgress }>(regcache, "/scrub");
    expect(status.last).toMatchObject({ state: "done", dry_run: false, corrupt: 2, refetch_queued: true });
    expect(status.last.findings.find((f) => f.digest === badLocal())).toMatchObject({ owner: "local", users: [{ repository: "myteam/tool", local: true, manifests: [{ digest: local.digests.manifest, tags: ["v1"] }] }] });

    // Both bad files sit in quarantine/ with their notes.
    const quarantined = readdirSync(join(regcache.storageDir, "quarantine")).sort();
    expect(quarantined.filter((n) => !n.endsWith(".json")).map((n) => n.replace(/^.*-sha256-/, "sha256:")).sort()).toEqual([badCached(), badLocal()].sort());
    expect(quarantined.filter((n) => n.endsWith(".json"))).toHaveLength(2);

    // The prefetcher fetches the cached layer again from the upstream (the sweep the scrub ran queued it).
    await upstream.waitForRequests({ method: "GET", path: `/v2/team/app/blobs/${badCached()}` }, 1, 30_000);
    await waitUntilStored(regcache, badCached(), 30_000);
    expect(sha256(readFileSync(storedBlobPath(regcache, badCached())))).toBe(badCached());
    const dir = useTempDir();
    await pullToLayout(`${regcache.host}/up/team/app:v1`, dir, "v1");
    for (const layer of cached.layers) expect(readFileSync(join(dir, "blobs/sha256", layer.descriptor.digest.slice(7))).equals(layer.bytes)).toBe(true);

    // Never the wrong bytes: the local layer is unknown until it is pushed again, and so is a pull of its image.
    expect(isStored(regcache, badLocal())).toBe(false);
    const blob = await get(regcache, `/v2/myteam/tool/blobs/${badLocal()}`);
    expect(blob.status).toBe(404);
    expect(JSON.parse(blob.body.toString()).errors[0].code).toBe("BLOB_UNKNOWN");
    const pull = await pullToLayout(`${regcache.host}/myteam/tool:v1`, useTempDir(), "v1", { allowFailure: true });
    expect(pull.code).not.toBe(0);

    const metrics = (await get(regcache, "/metrics")).body.toString();
    expect(metrics).toContain('regcache_scrub_problems_total{owner="cached",problem="corrupt"} 1');
    expect(metrics).toContain('regcache_scrub_problems_total{owner="local",problem="corrupt"} 1');
    expect(metrics).toContain('regcache_scrub_runs_total{mode="dry-run",result="done"} 1');
    expect(metrics).toContain('regcache_scrub_runs_total{mode="repair",result="done"} 1');
    expect(metrics).toMatch(/^regcache_scrub_bytes_checked_total \d+$/m);

    // Pushing the image again repairs it; the next scrub (on a terminal: a progress bar) finds nothing and exits 0.
    const layout = join(work.path, "local-layout-again");
    await writeOciLayout(layout, { v1: local });
    await pushLayout(layout, "v1", `${regcache.host}/myteam/tool:v1`);
    const again = await runCommand("script", ["-qec", `${BINARY} scrub --server ${regcache.url}`, "/dev/null"], { allowFailure: true, timeoutMs: 60_000 });
    expect(again.code, again.stdout).toBe(0);
    const text = strip(again.stdout);
    expect(text).toMatch(/scrub \[█{30}\] 100% \| 6 \/ 6 blobs, [\d.]+ (KiB|MiB) \/ [\d.]+ (KiB|MiB)/);
    expect(text.trim().split("\n").at(-1)).toMatch(/^scrub done: 6 of 6 blobs, .*; 0 corrupt, 0 missing$/);
  });

  test("usage errors exit 2; no server is a one-line error, exit 1", async () => {
    const usage = await runCommand(BINARY, ["scrub", "--server", regcache.url, "now"], { allowFailure: true });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^regcache: scrub: unexpected argument "now"/);
    expect((await runCommand(BINARY, ["scrub", "--fast"], { allowFailure: true })).code).toBe(2);
    const none = await runCommand(BINARY, ["scrub", "--server", "http://127.0.0.1:9"], { allowFailure: true });
    expect(none.code).toBe(1);
    expect(none.stderr.trim().split("\n")).toHaveLength(1);
    expect(none.stderr).toMatch(/^regcache: scrub: cannot reach regcache at http:\/\/127\.0\.0\.1:9/);
  });
});
