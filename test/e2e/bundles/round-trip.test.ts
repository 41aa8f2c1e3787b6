// Issue 13, bundles: two appliances and an air gap. A (a real docker-registry
// upstream) exports two images, one a two-platform index; B, whose upstream is
// a closed port, imports the bundle and serves both by their original names
// (X-Cache: HIT), byte for byte the upstream's. skopeo reads the same bundle.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPodman, inspectRaw, skopeoCopy } from "../../helpers/clients.ts";
import type { GeneratedImage, GeneratedIndex } from "../../helpers/oci-image.ts";
import { runCommand } from "../../helpers/processes.ts";
import { makeTempDir, useTempDir, type TempDir } from "../../helpers/tmp.ts";
import type { UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import type { RegcacheProcess } from "../regcache-process.ts";
import { airGapped, appliance, cli, manifestVia, upstreamWithTwoImages } from "./setup.ts";

describe("export on A, import on an air-gapped B", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let a: RegcacheProcess;
  let b: RegcacheProcess;
  let app: GeneratedImage;
  let multi: GeneratedIndex;
  let bundle: string;

  beforeAll(async () => {
    work = makeTempDir();
    ({ upstream, app, multi } = await upstreamWithTwoImages(work.path));
    a = await appliance(upstream.url);
    b = await airGapped();
    bundle = join(work.path, "bundle.tar");
  });

  afterAll(async () => {
    await a?.dispose();
    await b?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  test("A exports both images, completing them from the upstream first", async () => {
    const { code, stdout, stderr } = await cli(["export", "--server", a.url, "--out", bundle, "quay.io/org/app:1.2", "quay.io/org/multi:v1"]);
    expect(code, stderr).toBe(0);
    expect(stdout).not.toMatch(/\u001b/); // no terminal: plain lines
    expect(stdout.trim().split("\n").at(-1)).toMatch(/^exported 2 manifest\(s\), [\d.]+ (KiB|MiB) to .*bundle\.tar in [\d.]+ s$/);
  });

  test("an image the upstream does not have fails the export, naming it; no bundle is left", async () => {
    const out = join(work.path, "missing.tar");
    const { code, stderr } = await cli(["export", "--server", a.url, "--out", out, "quay.io/org/app:1.2", "quay.io/org/nope:1"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^regcache: export: quay\.io\/org\/nope:1: upstream "quay\.io" failed: http-404/);
    expect(existsSync(out) || existsSync(`${out}.partial`)).toBe(false);
  });

  test("skopeo reads the bundle by the names clients pull", async () => {
    const raw = await runCommand("skopeo", ["--insecure-policy", "inspect", "--raw", `oci-archive:${bundle}:quay.io/org/app:1.2`]);
    expect(raw.stdout).toBe(Buffer.from(app.manifest.bytes).toString());
    const out = join(work.path, "from-bundle");
    await skopeoCopy(`oci-archive:${bundle}:quay.io/org/multi:v1`, `oci:${out}:v1`, { all: true });
    const copied = JSON.parse(readFileSync(join(out, "index.json"), "utf8")) as { manifests: { digest: string }[] };
    expect(copied.manifests[0].digest).toBe(multi.digests.index);
  });

  test("B imports the bundle and serves both with its upstream unreachable", async () => {
    const { code, stdout, stderr } = await cli(["import", "--server", b.url, bundle]);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`quay.io/org/app:1.2: imported ${app.digests.manifest}`);
    expect(stdout).toContain(`quay.io/org/multi:v1: imported ${multi.digests.index}`);
    for (const [repository, tag, bytes] of [["quay.io/org/app", "1.2", app.manifest.bytes], ["quay.io/org/multi", "v1", multi.index.bytes]] as const) {
      const got = await manifestVia(b, repository, tag);
      expect(got.status).toBe(200);
      expect(got.cache).toBe("HIT");
      expect(got.body.equals(Buffer.from(bytes))).toBe(true);
    }
    // Every blob of both platforms from B alone: the upstream is a closed port.
    expect(await inspectRaw(`${b.host}/quay.io/org/app:1.2`)).toBe(Buffer.from(app.manifest.bytes).toString());
    const out = join(work.path, "from-b");
    await skopeoCopy(`docker://${b.host}/quay.io/org/multi:v1`, `oci:${out}:v1`, { all: true });
    await skopeoCopy(`docker://${b.host}/quay.io/org/app:1.2`, `oci:${out}:app`);
    const layers = readFileSync(join(out, "blobs", "sha256", app.digests.layers[1].slice(7)));
    expect(layers.equals(Buffer.from(app.layers[1].bytes))).toBe(true);
  });

  test("podman pulls both from B by their original names, digests the upstream's", async () => {
    const podman = createPodman({ dir: useTempDir() });
    await podman.pull(`${b.host}/quay.io/org/app:1.2`);
    expect(await podman.imageDigest(`${b.host}/quay.io/org/app:1.2`)).toBe(app.digests.manifest);
    await podman.pull(`${b.host}/quay.io/org/multi:v1`);
    expect(await podman.imageDigest(`${b.host}/quay.io/org/multi:v1`)).toBe(multi.digests.index);
  });

  test("B re-exports what it imported with --offline, as a folder skopeo reads", async () => {
    const dir = join(work.path, "bundle-dir");
    mkdirSync(dir);
    const { code, stderr } = await cli(["export", "--server", b.url, "--offline", "--out", dir, "quay.io/org/app:1.2"]);
    expect(code, stderr).toBe(0);
    const raw = await runCommand("skopeo", ["--insecure-policy", "inspect", "--raw", `oci:${dir}:quay.io/org/app:1.2`]);
    expect(raw.stdout).toBe(Buffer.from(app.manifest.bytes).toString());
    const missing = await cli(["export", "--server", b.url, "--offline", "--out", join(work.path, "none.tar"), "quay.io/org/other:1"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^regcache: export: quay\.io\/org\/other:1: not complete in the store, missing the tag 1/);
  });
});
