// A full disk: the storage sits on a small tmpfs. Pushes and pull-through
// downloads that do not fit fail with 507 INSUFFICIENT_STORAGE (or a failed
// transfer), nothing partial stays behind, the space is given back at once,
// and everything already stored keeps being served.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCommand } from "../helpers/processes.ts";
import { makeImage, writeOciLayout } from "../helpers/oci-image.ts";
import { pullToLayout, pushLayout } from "../helpers/skopeo.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../helpers/upstream-registry.ts";
import { makeTempDir } from "../helpers/temp-dirs.ts";
import { useTempDir } from "../helpers/tmp.ts";
import { errorCodes, pushBlob, sha256 } from "./oci-http.ts";
import { startRegcache, type RegcacheProcess } from "./regcache-process.ts";

const TMPFS_MIB = 24;
let mountPoint: string;
let upstream: UpstreamRegistry;
const upstreamDir = makeTempDir("regcache-upstream-");
let regcache: RegcacheProcess;

beforeAll(async () => {
  mountPoint = mkdtempSync(join(tmpdir(), "regcache-full-"));
  // Loud failure, not a skip: the test needs root to mount (CI runs as root).
  await runCommand("mount", ["-t", "tmpfs", "-o", `size=${TMPFS_MIB}m`, "tmpfs", mountPoint]);
  upstream = await startUpstreamRegistry({ dir: upstreamDir.path });
  regcache = await startRegcache({
    storageDir: join(mountPoint, "storage"),
    extraToml: `[[upstream]]\nname = "up"\nurl = "${upstream.url}"\ninsecure = true\n`,
  });
});

afterAll(async () => {
  await regcache?.dispose();
  await upstream?.stop();
  upstreamDir.remove();
  await runCommand("umount", [mountPoint], { allowFailure: true });
  rmSync(mountPoint, { recursive: true, force: true });
});

const blobFiles = () => {
  const out: string[] = [];
  const root = join(regcache.storageDir, "blobs", "sha256");
  for (const prefix of readdirSync(root, { withFileTypes: true })) if (prefix.isDirectory()) out.push(...readdirSync(join(root, prefix.name)));
  return out.sort();
};
const tmpFiles = () => readdirSync(join(regcache.storageDir, "tmp"));
const uploadFiles = () => readdirSync(join(regcache.storageDir, "uploads"));

describe("a full disk", () => {
  let small: Uint8Array;

  test("a push that does not fit gets 507 and leaves nothing behind", async () => {
    small = new Uint8Array(randomBytes(1024 * 1024));
    await pushBlob(regcache.url, "myorg/app", small);
    const before = blobFiles();

    const big = new Uint8Array(randomBytes(40 * 1024 * 1024));
    const digest = sha256(big);
    const response = await fetch(`${regcache.url}/v2/myorg/app/blobs/uploads/?digest=${digest}`, { method: "POST", body: big as Uint8Array<ArrayBuffer> });
    expect(response.status).toBe(507);
    expect(await errorCodes(response)).toEqual(["INSUFFICIENT_STORAGE"]);
    expect(blobFiles()).toEqual(before);
    expect(tmpFiles()).toEqual([]);
    // The partial upload was rolled back: its file holds no bytes any more.
    for (const id of uploadFiles()) expect(Bun.file(join(regcache.storageDir, "uploads", id)).size).toBe(0);
  });

  test("the space is back: a small push works and stored blobs are served", async () => {
    const again = new Uint8Array(randomBytes(512 * 1024));
    await pushBlob(regcache.url, "myorg/app", again);
    const r = await fetch(`${regcache.url}/v2/myorg/app/blobs/${sha256(small)}`);
    expect(r.status).toBe(200);
    expect(sha256(new Uint8Array(await r.arrayBuffer()))).toBe(sha256(small));
  });

  test("a pull-through download that does not fit fails and caches nothing", async () => {
    const dir = useTempDir("regcache-full-img-");
    const image = makeImage({ layers: 1, layerSize: 40 * 1024 * 1024 });
    await writeOciLayout(join(dir, "layout"), { big: image });
    await pushLayout(join(dir, "layout"), "big", `${upstream.host}/library/big:1`);
    const before = blobFiles();

    const result = await pullToLayout(`${regcache.host}/up/library/big:1`, join(dir, "out"), "1", { allowFailure: true });
    expect(result.code).not.toBe(0);
    const layer = image.digests.layers[0]!.slice("sha256:".length);
    expect(blobFiles()).not.toContain(layer);
    expect(blobFiles().filter((f) => !before.includes(f)).every((f) => f !== layer)).toBe(true);
    // The failed download's temporary file is gone (downloads clean up when they fail).
    await new Promise((r) => setTimeout(r, 500));
    expect(tmpFiles()).toEqual([]);
    const log = regcache.logs().find((l) => l.msg === "blob download failed" && l.digest === image.digests.layers[0]);
    expect(log, JSON.stringify(regcache.logs().filter((l) => l.level !== "info"))).toBeDefined();
    expect(String(log!.error)).toMatch(/no space left/);
    // The server still serves what it had.
    expect((await fetch(`${regcache.url}/v2/myorg/app/blobs/${sha256(small)}`)).status).toBe(200);
  });
});
