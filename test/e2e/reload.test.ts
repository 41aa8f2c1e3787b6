// Issue 15, live reload: SIGHUP re-reads the config. A changed ttl applies to the
// next request while a blob download that started before goes on to the end; an
// invalid config, or one that changes what needs a restart, is refused with the
// file and key in the log, and the old one stays in force. Against the binary.
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeImage, type GeneratedImage } from "../helpers/oci-image.ts";
import { makeTempDir, type TempDir } from "../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../helpers/upstream-registry.ts";
import { readFirstChunk } from "./oci-http.ts";
import { startRegcache, type RegcacheProcess } from "./regcache-process.ts";
import { get, seed, upstreamToml } from "./pull-through/setup.ts";

const MANIFEST = "/v2/up/app/web/manifests/v1";

describe("SIGHUP reloads the config", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let regcache: RegcacheProcess;
  let image: GeneratedImage;
  let original: string;

  /** Rewrites regcache.toml, sends SIGHUP, and waits for the next log line whose msg starts with `outcome`. */
  async function reloadWith(edit: (toml: string) => string, outcome: string) {
    const matching = () => regcache.logs().filter((l) => l.msg.startsWith(outcome));
    const before = matching().length;
    writeFileSync(regcache.configPath, edit(original));
    process.kill(regcache.process().pid, "SIGHUP");
    const deadline = Date.now() + 10_000;
    while (matching().length === before) {
      if (Date.now() > deadline) throw new Error(`no "${outcome}" log line within 10 s of SIGHUP`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return matching()[before]!;
  }

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    image = makeImage({ layers: 1, layerSize: 48 * 1024 * 1024 });
    await seed(upstream, work.path, "app/web", { v1: image });
    regcache = await startRegcache({ extraToml: upstreamToml({ name: "up", url: upstream.url, ttl: "1h" }) + `[prefetch]\ncomplete_on_pull = false\n` });
    original = readFileSync(regcache.configPath, "utf8");
  });

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  test("a shorter ttl applies to the next request; a blob download in flight completes", async () => {
    expect((await get(regcache, MANIFEST)).xCache).toBe("MISS");
    expect((await get(regcache, MANIFEST)).xCache).toBe("HIT");
    // A client starts the big layer and reads only its first chunk before the reload.
    const layer = image.layers[0]!;
    const response = await fetch(`${regcache.url}/v2/up/app/web/blobs/${layer.descriptor.digest}`);
    const inFlight = await readFirstChunk(response);

    const reloaded = await reloadWith((t) => t.replace('ttl = "1h"', 'ttl = "0s"'), "config reloaded");
    expect(reloaded.upstreams).toEqual(["up"]);
    // ttl 0s: the next pull asks the upstream (one HEAD) instead of answering from the cache.
    expect((await get(regcache, MANIFEST)).xCache).toBe("REVALIDATED");

    expect(await inFlight.finish()).toEqual({ digest: layer.descriptor.digest, size: layer.bytes.length });
  });

  test("an invalid config is refused naming the file and key; the old one keeps serving", async () => {
    const refused = await reloadWith((t) => t.replace('ttl = "1h"', 'ttl = "soon"'), "config reload refused");
    expect(String(refused.error)).toBe('regcache.toml: upstream[0].ttl: expected a duration like "24h", got "soon"');
    // Still the reloaded ttl of 0s from the test before, not a broken state.
    expect((await get(regcache, MANIFEST)).xCache).toBe("REVALIDATED");
  });

  test("a new listen address or storage path is refused: it needs a restart", async () => {
    const listen = await reloadWith((t) => t.replace(/listen = "127\.0\.0\.1:\d+"/, 'listen = "127.0.0.1:1"'), "config reload refused");
    expect(String(listen.error)).toMatch(/^regcache\.toml: server\.listen: changing it needs a restart/);
    const storage = await reloadWith((t) => t.replace(/^path = .*$/m, `path = "${work.path}/elsewhere"`), "config reload refused");
    expect(String(storage.error)).toMatch(/^regcache\.toml: storage\.path: changing it needs a restart/);
    expect((await get(regcache, MANIFEST)).status).toBe(200);
  });
});
