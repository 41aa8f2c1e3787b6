// Issue 3, item 3: the upstream sends corrupt blobs (a proxy in front of the real
// registry flips a byte, or cuts the body short). The client's pull fails, nothing is
// stored under the digest, and once the fault is gone the next pull succeeds.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { pullToLayout } from "../../helpers/clients.ts";
import { makeImage, sha256, type GeneratedImage } from "../../helpers/oci-image.ts";
import { startCorruptingProxy, type CorruptingProxy } from "../../helpers/standins.ts";
import { makeTempDir, useTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { isStored, seed, storedBlobPath, upstreamToml, waitUntilStored } from "./setup.ts";

/** Reads a blob the way a client that does not verify digests would; rejects if the transfer fails. */
async function download(url: string): Promise<{ status: number; bytes: Buffer }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe("upstream sending corrupt blobs", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let proxy: CorruptingProxy;
  let regcache: RegcacheProcess;
  let pulled: GeneratedImage;
  let fetched: GeneratedImage;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    // Layers of a few MiB arrive in many chunks: the damage lands mid-stream.
    pulled = makeImage({ layers: 2, layerSize: 2 * 1024 * 1024 });
    fetched = makeImage({ layers: 2, layerSize: 2 * 1024 * 1024 });
    await seed(upstream, work.path, "app/pulled", { v1: pulled });
    await seed(upstream, work.path, "app/fetched", { v1: fetched });
    proxy = await startCorruptingProxy(upstream.url);
    regcache = await startRegcache({ extraToml: upstreamToml({ name: "up", url: proxy.url, ttl: "1h" }) });
  });

  afterAll(async () => {
    await regcache?.dispose();
    await proxy?.stop();
    await upstream?.stop();
    work?.remove();
  });

  const layerUrl = (repo: string, digest: string) => `${regcache.url}/v2/up/${repo}/blobs/${digest}`;
  const tmpFiles = () => readdirSync(join(regcache.storageDir, "tmp"));

  test("a flipped byte: skopeo's pull fails and nothing is stored; after the fault, the pull succeeds", async () => {
    proxy.setFault("flip");
    const failed = await pullToLayout(`${regcache.host}/up/app/pulled:v1`, useTempDir(), "v1", { allowFailure: true });
    expect(failed.code).not.toBe(0);
    expect(proxy.damaged()).toBeGreaterThan(0);
    await regcache.waitForLog("upstream sent corrupt blob; nothing cached");
    for (const digest of [pulled.digests.config, ...pulled.digests.layers]) expect(isStored(regcache, digest)).toBe(false);

    proxy.setFault("none");
    const dir = useTempDir();
    await pullToLayout(`${regcache.host}/up/app/pulled:v1`, dir, "v1");
    for (const blob of [pulled.config, ...pulled.layers]) {
      const digest = blob.descriptor.digest;
      await waitUntilStored(regcache, digest);
      expect(sha256(readFileSync(storedBlobPath(regcache, digest)))).toBe(digest);
      expect(readFileSync(`${dir}/blobs/sha256/${digest.slice(7)}`).equals(blob.bytes)).toBe(true);
    }
    expect(tmpFiles()).toEqual([]);
  });

  test("a client that does not verify digests never receives a complete-looking wrong blob", async () => {
    proxy.setFault("flip");
    const digest = fetched.digests.layers[0];
    // regcache streams the bytes as they arrive but holds the last one back until the digest
    // is verified: the transfer breaks instead of ending cleanly with wrong bytes.
    const outcome = await download(layerUrl("app/fetched", digest)).catch((e: Error) => e);
    expect(outcome).toBeInstanceOf(Error);
    await regcache.waitForLog(new RegExp(`"msg":"upstream sent corrupt blob; nothing cached".*${digest}`));
    expect(isStored(regcache, digest)).toBe(false);
  });

  test("a body cut short: the transfer fails and nothing is stored", async () => {
    proxy.setFault("truncate");
    const digest = fetched.digests.layers[1];
    const outcome = await download(layerUrl("app/fetched", digest)).catch((e: Error) => e);
    expect(outcome).toBeInstanceOf(Error);
    expect(isStored(regcache, digest)).toBe(false);

    proxy.setFault("none");
    for (const layer of fetched.layers) {
      const ok = await download(layerUrl("app/fetched", layer.descriptor.digest));
      expect(ok.status).toBe(200);
      expect(ok.bytes.equals(layer.bytes)).toBe(true);
      await waitUntilStored(regcache, layer.descriptor.digest);
    }
  });
});
