// Issue 13: containerd's ?ns= for a registry with a port in its name. With a
// hosts.toml naming regcache as the mirror of 127.0.0.1:<port>, `ctr` pulls
// through regcache (the upstream sees no request from containerd itself), and
// again with the upstream stopped. containerd 1.6 sends ?ns=127.0.0.1:<port>,
// which regcache matches to the upstream by its url's host.
import { afterAll, beforeAll, expect, test } from "vitest";
import { startContainerd, type Containerd } from "../../helpers/containerd.ts";
import { makeImage, type GeneratedImage } from "../../helpers/oci-image.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { seed, upstreamToml } from "../pull-through/setup.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";

let work: TempDir;
let upstream: UpstreamRegistry;
let regcache: RegcacheProcess;
let image: GeneratedImage;

beforeAll(async () => {
  work = makeTempDir();
  upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
  image = makeImage({ layers: 2 });
  await seed(upstream, work.path, "app/web", { v1: image });
  // The upstream's name is not its host: only the url's host[:port] can match containerd's ns.
  regcache = await startRegcache({ extraToml: upstreamToml({ name: "up", url: upstream.url }) });
});

afterAll(async () => {
  await regcache?.dispose();
  await upstream?.stop();
  work?.remove();
});

async function pullWithCtr(): Promise<string> {
  const containerd = await startContainerd();
  try {
    const hosts = containerd.hostsDir(upstream.host, regcache.host);
    await containerd.ctr(["content", "fetch", "--hosts-dir", hosts, "--all-platforms", `${upstream.host}/app/web:v1`]);
    return await containerd.ctr(["images", "ls", "-q"]);
  } finally {
    await containerd.stop();
  }
}

test("ctr pulls through regcache: no request from containerd reaches the upstream, and none are 404", async () => {
  expect(await pullWithCtr()).toContain(`${upstream.host}/app/web:v1`);
  const direct = upstream.accessLog().filter((e) => e.userAgent.startsWith("containerd"));
  expect(direct).toEqual([]);
  const viaCache = regcache.logs().filter((l) => l.msg === "request" && String(l.path).startsWith("/v2/app/web/"));
  expect(viaCache.length).toBeGreaterThanOrEqual(1 + image.layers.length);
  for (const line of viaCache) {
    expect(line.status).toBe(200);
    expect(line.upstream).toBe("up");
  }
});

test("and again with the upstream stopped: served from the cache", async () => {
  await upstream.stop();
  expect(await pullWithCtr()).toContain(`${upstream.host}/app/web:v1`);
});
