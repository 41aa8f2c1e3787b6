// Issue 16: a cold blob's bytes are hashed and written on the blob writer thread
// (platform/blob-writer-worker.ts) in the shipped binary and under Deno, not on the
// event loop or the runtime's file-I/O pool. The kernel counts the bytes each thread
// wrote (/proc/PID/task/TID/io, wchar): after one cold pull of a 16 MiB layer, the one
// thread that wrote all of it is a worker thread (Bun calls it "Worker", Deno
// "worker-N"). Written on the event loop instead (the worker's entry point not found in
// the binary, or the thread dead), the writes land on "Bun Pool" or tokio threads, the
// fall-back warning is logged, and this test fails. skopeo then pulls the image whole.
import { readdirSync, readFileSync } from "node:fs";
import { afterEach, beforeAll, afterAll, describe, expect, test } from "vitest";
import { pullToLayout } from "../../helpers/clients.ts";
import { makeImage, type GeneratedImage } from "../../helpers/oci-image.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { startRegcache, type RegcacheProcess, type Runtime } from "../regcache-process.ts";
import { seed, upstreamToml } from "./setup.ts";

const LAYER = 16 * 1024 * 1024;

/** Each thread's name and the bytes it wrote so far. */
function threadWrites(pid: number): { name: string; written: number }[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
    const written = Number(/wchar:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/task/${tid}/io`, "utf8"))![1]);
    return { name, written };
  });
}

let work: TempDir;
let upstream: UpstreamRegistry;
let image: GeneratedImage;
beforeAll(async () => {
  work = makeTempDir();
  upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
  image = makeImage({ layers: 1, layerSize: LAYER });
  await seed(upstream, work.path, "app/big", { v1: image });
});
afterAll(async () => {
  await upstream?.stop();
  work?.remove();
});

let regcache: RegcacheProcess | undefined;
afterEach(async () => {
  await regcache?.dispose();
  regcache = undefined;
});

describe.each<Runtime>(["binary", "deno"])("the blob writer thread (%s)", (runtime) => {
  test("a cold layer is written by the worker thread alone; nothing fell back; the pull is whole", async () => {
    regcache = await startRegcache({ runtime, extraToml: upstreamToml({ name: "up", url: upstream.url, ttl: "1h" }) });
    const pid = regcache.process().pid!;
    expect(threadWrites(pid).filter((t) => t.written >= LAYER)).toEqual([]);

    const layer = image.layers[0]!;
    const res = await fetch(`${regcache.url}/v2/up/app/big/blobs/${layer.descriptor.digest}`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(layer.bytes)).toBe(true);
    await regcache.waitForLog("blob cached", 30_000);

    const writers = threadWrites(pid).filter((t) => t.written >= LAYER);
    expect(writers).toHaveLength(1);
    expect(writers[0]!.name).toMatch(/^(Worker|worker-\d+)$/);
    expect(writers[0]!.written).toBeLessThan(LAYER + 1024 * 1024);

    const dir = `${work.path}/pull-${runtime}`;
    await pullToLayout(`${regcache.host}/up/app/big:v1`, dir, "v1", { timeoutMs: 60_000 });
    expect(readFileSync(`${dir}/blobs/sha256/${layer.descriptor.digest.slice(7)}`).equals(layer.bytes)).toBe(true);
    expect(regcache.logs().filter((l) => l.level === "warn" && String(l.msg).startsWith("blob writer thread"))).toEqual([]);
  }, 90_000);
});
