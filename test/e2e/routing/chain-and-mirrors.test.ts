// Issue 13: sites behind sites. An edge regcache (B) uses a regional one (A) as
// its upstream, with remote_namespace; each level keeps its own ttl and
// staleness. And mirrors: a dead first mirror costs one connection attempt per
// back-off, not one per request. Compiled binaries, Debian's docker-registry.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPodman } from "../../helpers/clients.ts";
import { makeImage, type GeneratedImage } from "../../helpers/oci-image.ts";
import { resetter, type Standin } from "../../helpers/standins.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { get, seed, sleep, upstreamToml } from "../pull-through/setup.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";

let work: TempDir;
let upstream: UpstreamRegistry;
let image: GeneratedImage;

beforeAll(async () => {
  work = makeTempDir();
  upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
  image = makeImage({ layers: 1 });
  await seed(upstream, work.path, "app/web", { v1: image });
});
afterAll(async () => {
  await upstream?.stop();
  work?.remove();
});

describe("a chain: edge B → regional A → upstream", () => {
  let a: RegcacheProcess;
  let b: RegcacheProcess;
  beforeAll(async () => {
    a = await startRegcache({ extraToml: upstreamToml({ name: "up", url: upstream.url, ttl: "1s", staleness: "1h" }) });
    // B's repository app/web is A's up/app/web.
    b = await startRegcache({ extraToml: upstreamToml({ name: "hub", url: a.url, ttl: "1s", staleness: "1h" }) + `remote_namespace = "up"\n` });
  });
  afterAll(async () => {
    await b?.dispose();
    await a?.dispose();
  });

  test("a pull through B goes through A to the upstream; digests as the upstream's", async () => {
    const answer = await get(b, "/v2/hub/app/web/manifests/v1");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("docker-content-digest")).toBe(image.digests.manifest);
    const layer = await get(b, `/v2/hub/app/web/blobs/${image.digests.layers[0]}`);
    expect(layer.body.equals(image.layers[0]!.bytes)).toBe(true);
    // A real client through both levels: podman, with B as the registries.conf mirror of the upstream.
    const podman = createPodman({ dir: `${work.path}/podman-chain`, mirrors: [{ location: upstream.host, mirrors: [`${b.host}/hub`] }] });
    await podman.pull(`${upstream.host}/app/web:v1`);
    expect(await podman.imageDigest(`${upstream.host}/app/web:v1`)).toBe(image.digests.manifest);
    await a.waitForLog(/"msg":"request".*"path":"\/v2\/up\/app\/web\/manifests\/v1"/);
    // B's log shows how the level below answered.
    const atB = await b.waitForLog(/"msg":"request".*"path":"\/v2\/hub\/app\/web\/manifests\/v1"/);
    expect(atB.upstream_cache).toBe("MISS");
  });

  test("A stopped: B serves its copy within its staleness (STALE)", async () => {
    await a.stop();
    await sleep(1_100); // past B's ttl of 1 s
    const answer = await get(b, "/v2/hub/app/web/manifests/v1");
    expect(answer.status).toBe(200);
    expect(answer.xCache).toBe("STALE");
  });

  test("A back, the upstream stopped: A's staleness rules apply, B sees a healthy A", async () => {
    await a.restart();
    await upstream.stop();
    try {
      await sleep(1_100); // past both ttls
      const answer = await get(b, "/v2/hub/app/web/manifests/v1");
      expect(answer.status).toBe(200);
      expect(answer.xCache).toBe("REVALIDATED");
      // A's request line is written just after its answer: wait for it.
      const line = await a.waitForLog(/"msg":"request".*"path":"\/v2\/up\/app\/web\/manifests\/v1".*"cache":"STALE"/);
      expect(line.upstream_failure).toBe("refused");
      const atB = await b.waitForLog(/"msg":"request".*"path":"\/v2\/hub\/app\/web\/manifests\/v1".*"cache":"REVALIDATED"/);
      expect(atB.upstream_cache).toBe("STALE");
    } finally {
      await upstream.restart();
    }
  });
});

describe("mirrors", () => {
  let dead: Standin;
  let hub: RegcacheProcess;
  let edge: RegcacheProcess;
  beforeAll(async () => {
    dead = await resetter();
    hub = await startRegcache({ extraToml: upstreamToml({ name: "up", url: upstream.url }) });
    edge = await startRegcache({
      extraToml:
        upstreamToml({ name: "up", url: upstream.url, ttl: "0s" }) +
        `mirror_backoff = "2s"\nmirrors = [{ url = "${dead.url}", insecure = true }, { url = "${hub.url}", remote_namespace = "up", insecure = true }]\n` +
        // Only the test's pulls go upstream: no prefetch worker fetching layers in between.
        `[prefetch]\ncomplete_on_pull = false\n`,
    });
  });
  afterAll(async () => {
    await edge?.dispose();
    await hub?.dispose();
    await dead?.stop();
  });

  test("the first mirror dead, the second answers; the dead one is tried again only after the back-off", async () => {
    const pull = async () => expect((await get(edge, "/v2/up/app/web/manifests/v1")).status).toBe(200);
    await pull();
    expect(dead.hits()).toBe(1);
    // hub's request lines trail its answers by an event-loop turn: count them once they are all in.
    const viaHub = async (n: number) => {
      for (let i = 0; i < 250 && hub.logs().filter((l) => l.msg === "request" && l.path === "/v2/up/app/web/manifests/v1").length < n; i++) await sleep(20);
      return hub.logs().filter((l) => l.msg === "request" && l.path === "/v2/up/app/web/manifests/v1").length;
    };
    expect(await viaHub(1)).toBe(1);
    // ttl 0s: every pull asks again, and within the back-off the dead mirror is skipped.
    for (let i = 0; i < 5; i++) await pull();
    expect(dead.hits()).toBe(1);
    expect(await viaHub(6)).toBe(6);
    expect(edge.logs().filter((l) => l.msg === "mirror failed; skipping it")).toHaveLength(1);
    await sleep(2_100);
    await pull();
    expect(dead.hits()).toBe(2);
    const metrics = await (await fetch(`${edge.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`regcache_upstream_mirror_open\\{mirror="${dead.url.replace(/[.:/]/g, "\\$&")}",upstream="up"\\} 1`));
  });
});

describe("allow and deny", () => {
  let regcache: RegcacheProcess;
  beforeAll(async () => {
    regcache = await startRegcache({ extraToml: upstreamToml({ name: "up", url: upstream.url }) + `deny = ["app/**"]\n` });
  });
  afterAll(async () => regcache?.dispose());

  test("a denied repository: 403 DENIED naming the rule, and no request reaches the upstream", async () => {
    const before = upstream.accessLog().length;
    for (const path of ["/v2/up/app/web/manifests/v1", `/v2/up/app/web/blobs/${image.digests.layers[0]}`, "/v2/up/app/web/tags/list"]) {
      const answer = await get(regcache, path);
      expect(answer.status).toBe(403);
      expect(answer.body.toString()).toMatch(/DENIED.*deny rule \\"app\/\*\*\\"/);
    }
    expect(upstream.accessLog().length).toBe(before);
  });
});
