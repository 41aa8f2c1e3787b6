// Issue 3, item 7: regcache restarted while every upstream is down starts, and serves
// everything it cached: tags within ttl as HIT (their age was kept in SQLite), tags past
// ttl as STALE, every manifest, index and blob by digest.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPodman, pullToLayout, skopeoCopy } from "../../helpers/clients.ts";
import { makeImage, makeIndex, sha256, type GeneratedImage, type GeneratedIndex } from "../../helpers/oci-image.ts";
import { closedPort, type Standin } from "../../helpers/standins.ts";
import { makeTempDir, useTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { get, nextRequestLine, seed, sleepUntil, upstreamToml } from "./setup.ts";

describe("restart while every upstream is down", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let dead: Standin;
  let regcache: RegcacheProcess;
  let image: GeneratedImage;
  let index: GeneratedIndex;
  /** When "short" last confirmed app/one:v1. */
  let shortConfirmedBy = 0;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    dead = await closedPort();
    image = makeImage({ layers: 2 });
    index = makeIndex({ layers: 1 });
    await seed(upstream, work.path, "app/one", { v1: image, multi: index });
    regcache = await startRegcache({
      extraToml:
        upstreamToml({ name: "up", url: upstream.url, ttl: "1h" }) +
        upstreamToml({ name: "short", url: upstream.url, ttl: "1s", staleness: "1h" }) +
        upstreamToml({ name: "dead", url: dead.url }),
    });
    const podman = createPodman({ dir: `${work.path}/podman-warm`, mirrors: [{ location: upstream.host, mirrors: [`${regcache.host}/up`] }] });
    await podman.pull(`${upstream.host}/app/one:v1`);
    await skopeoCopy(`docker://${regcache.host}/up/app/one:multi`, `oci:${work.path}/warm-multi:multi`, { all: true });
    await pullToLayout(`${regcache.host}/short/app/one:v1`, `${work.path}/warm-short`, "v1");
    shortConfirmedBy = Date.now();

    await upstream.stop();
    await regcache.stop();
  });

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  test("it starts without any upstream", async () => {
    const from = regcache.lines().length;
    await regcache.restart();
    const started = regcache.logs().slice(from).find((l) => l.msg === "regcache started");
    expect(started?.upstreams).toEqual(["up", "short", "dead"]);
    expect((await get(regcache, "/v2/")).status).toBe(200);
  });

  test("podman pulls the cached tag (HIT: its age survived the restart)", async () => {
    const podman = createPodman({ dir: useTempDir(), mirrors: [{ location: upstream.host, mirrors: [`${regcache.host}/up`] }] });
    const line = nextRequestLine(regcache, "/v2/up/app/one/manifests/v1");
    await podman.pull(`${upstream.host}/app/one:v1`);
    expect(await podman.imageDigest(`${upstream.host}/app/one:v1`)).toBe(image.digests.manifest);
    expect((await line()).cache).toBe("HIT");
  });

  test("skopeo copies the whole index, every platform, by tag and by digest", async () => {
    const dir = useTempDir();
    await skopeoCopy(`docker://${regcache.host}/up/app/one:multi`, `oci:${dir}:multi`, { all: true });
    await skopeoCopy(`docker://${regcache.host}/up/app/one@${index.digests.index}`, `oci:${dir}:pinned`, { all: true });
    for (const [i, child] of index.images.entries()) {
      const answer = await get(regcache, `/v2/up/app/one/manifests/${index.digests.manifests[i]}`);
      expect(answer.status).toBe(200);
      expect(sha256(answer.body)).toBe(child.digests.manifest);
      for (const layer of child.layers) {
        const blob = await get(regcache, `/v2/up/app/one/blobs/${layer.descriptor.digest}`);
        expect(blob.xCache).toBe("HIT");
        expect(blob.body.equals(layer.bytes)).toBe(true);
      }
    }
  });

  test("a tag past ttl is served STALE; the failure is the real one (refused)", async () => {
    await sleepUntil(shortConfirmedBy, 1_100);
    const line = nextRequestLine(regcache, "/v2/short/app/one/manifests/v1");
    await pullToLayout(`${regcache.host}/short/app/one:v1`, useTempDir(), "v1");
    expect(await line()).toMatchObject({ status: 200, cache: "STALE", upstream_failure: "refused" });
  });

  test("an upstream that never worked: 503 naming it, regcache carries on", async () => {
    const answer = await get(regcache, "/v2/dead/app/one/manifests/v1");
    expect(answer.status).toBe(503);
    expect(answer.body.toString()).toContain('"dead"');
    expect(regcache.process().isRunning()).toBe(true);
  });
});
