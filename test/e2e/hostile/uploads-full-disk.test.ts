// Item 6 (and the disk-full log line of item 13) of issue 10, on a full disk:
// the storage sits on a small tmpfs (root is needed to mount it, as for
// test/e2e/disk-full.test.ts). DELETE of an upload must free its bytes even
// when nothing else fits, and a download that does not fit names the
// directory that is full.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startHostileUpstream, type HostileUpstream } from "../../helpers/hostile-upstream.ts";
import { runCommand } from "../../helpers/processes.ts";
import { startUpload } from "../oci-http.ts";
import { get } from "../pull-through/setup.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { hostileUpstreamToml } from "./setup.ts";

const TMPFS_MIB = 16;
let mountPoint: string;
let hostile: HostileUpstream;
let regcache: RegcacheProcess;

beforeAll(async () => {
  mountPoint = mkdtempSync(join(tmpdir(), "regcache-hostile-full-"));
  await runCommand("mount", ["-t", "tmpfs", "-o", `size=${TMPFS_MIB}m`, "tmpfs", mountPoint]);
  // A layer larger than the whole disk.
  hostile = await startHostileUpstream({ layerSize: 24 * 1024 * 1024 });
  // min_free = "0": the quota (issue 11) would refuse the download before the disk fills;
  // these tests are about what happens when the file system itself says ENOSPC.
  regcache = await startRegcache({ storageDir: join(mountPoint, "storage"), extraToml: `min_free = "0"\n` + hostileUpstreamToml("hostile", hostile.url) });
});

afterAll(async () => {
  await regcache?.dispose();
  await hostile?.stop();
  await runCommand("umount", [mountPoint], { allowFailure: true });
  rmSync(mountPoint, { recursive: true, force: true });
});

/** Fills the filesystem to the last byte with a file outside regcache's storage. */
function fillDisk(path: string): void {
  const chunk = Buffer.alloc(64 * 1024);
  let size = 64 * 1024;
  // Halving chunks until even one byte does not fit.
  for (;;) {
    try {
      writeFileSync(path, chunk.subarray(0, size), { flag: "a" });
    } catch {
      if (size === 1) return;
      size = Math.max(1, size >> 1);
    }
  }
}

test("DELETE of an upload frees its bytes on a full disk", async () => {
  const location = await startUpload(regcache.url, "myorg/big");
  const chunk = new Uint8Array(4 * 1024 * 1024);
  const put = await fetch(location, { method: "PATCH", headers: { "content-type": "application/octet-stream", "content-range": `0-${chunk.length - 1}` }, body: chunk });
  expect(put.status).toBe(202);
  const filler = join(mountPoint, "filler");
  fillDisk(filler);
  try {
    const id = new URL(location).pathname.split("/").at(-1)!;
    const deleted = await fetch(location, { method: "DELETE" });
    expect(deleted.status).toBe(204);
    expect(readdirSync(join(regcache.storageDir, "uploads"))).not.toContain(id);
    expect((await fetch(location)).status).toBe(404);
  } finally {
    rmSync(filler, { force: true });
  }
});

test("a download that does not fit names the full directory, not \".\"", async () => {
  const layer = hostile.image.digests.layers[0]!;
  await get(regcache, `/v2/hostile/honest/app/blobs/${layer}`).catch(() => undefined);
  const line = await regcache.waitForLog("blob download failed", 20_000);
  expect(String(line.error)).toContain(`no space left on the device holding ${join(regcache.storageDir, "tmp")}`);
  expect(statSync(join(regcache.storageDir, "tmp")).isDirectory()).toBe(true);
});
