import { createHash } from "node:crypto";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPodman, inspectRaw, pushLayout } from "./clients.ts";
import { makeImage, makeIndex, writeOciLayout, type GeneratedImage, type GeneratedIndex } from "./oci-image.ts";
import { spawnProcess } from "./processes.ts";
import { always429, always503, blackHole, closedPort, SECRET_503_BODY, startCorruptingProxy } from "./standins.ts";
import { makeTempDir, useTempDir, type TempDir } from "./tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "./upstream-registry.ts";

// Proves the helpers work together on this machine, with the real docker-registry,
// skopeo and podman: what the integration and e2e tests build on.

const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const blobGets = { method: "GET", path: /\/blobs\/sha256:/ };

describe("upstream registry, generated images, skopeo and podman", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let image: GeneratedImage;
  let index: GeneratedIndex;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    image = makeImage({ layers: 3, layerSize: 256 * 1024 });
    index = makeIndex({ layers: 2 });
    await writeOciLayout(`${work.path}/layout`, { single: image, multi: index });
    await pushLayout(`${work.path}/layout`, "single", `${upstream.host}/test/single:v1`);
    await pushLayout(`${work.path}/layout`, "multi", `${upstream.host}/test/multi:v1`, { all: true });
    // The mirror test below asks for the image under a path prefix.
    await pushLayout(`${work.path}/layout`, "single", `${upstream.host}/up/test/single:v1`);
  });

  afterAll(async () => {
    await upstream?.stop();
    work?.remove();
  });

  test("skopeo stored the index byte for byte", async () => {
    expect(await inspectRaw(`${upstream.host}/test/multi:v1`)).toBe(index.index.bytes.toString());
    const armManifest = await inspectRaw(`${upstream.host}/test/multi@${index.digests.manifests[1]}`);
    expect(sha256(Buffer.from(armManifest))).toBe(index.digests.manifests[1]);
  });

  test("podman pulls the image through a private store, and the access log counts it", async () => {
    const podman = createPodman({ dir: useTempDir() });
    upstream.resetAccessLog();
    await podman.pull(`${upstream.host}/test/single:v1`);
    expect(await podman.imageDigest(`${upstream.host}/test/single:v1`)).toBe(image.digests.manifest);
    // Three layers and the config, each fetched once.
    await upstream.waitForRequests(blobGets, 4);
    expect(upstream.countRequests(blobGets)).toBe(4);
    expect(upstream.countRequests({ method: "GET", path: "/v2/test/single/manifests/v1" })).toBe(1);

    await podman.pull(`${upstream.host}/test/multi:v1`);
    // podman records the digest of the index it was given, not of the amd64 child.
    expect(await podman.imageDigest(`${upstream.host}/test/multi:v1`)).toBe(index.digests.index);
    await upstream.waitForRequests(blobGets, 4 + 3);
  });

  test("podman follows a registries.conf mirror", async () => {
    const nowhere = await closedPort();
    const podman = createPodman({
      dir: useTempDir(),
      mirrors: [{ location: nowhere.host, mirrors: [`${upstream.host}/up`] }],
    });
    await podman.pull(`${nowhere.host}/test/single:v1`);
    expect(await podman.imageDigest(`${nowhere.host}/test/single:v1`)).toBe(image.digests.manifest);
    expect(upstream.countRequests({ method: "GET", path: "/v2/up/test/single/manifests/v1" })).toBe(1);
  });

  test("proxy mode is a pull-through cache of the upstream", async () => {
    const cache = await startUpstreamRegistry({ dir: useTempDir(), proxy: { remoteUrl: upstream.url } });
    try {
      const podman = createPodman({ dir: useTempDir() });
      await podman.pull(`${cache.host}/test/single:v1`);
      expect(await podman.imageDigest(`${cache.host}/test/single:v1`)).toBe(image.digests.manifest);
      await cache.waitForRequests(blobGets, 4);
    } finally {
      await cache.stop();
    }
  });

  test("restart keeps port and storage; stop ends the process", async () => {
    const pid = upstream.process().pid;
    await upstream.restart();
    expect(upstream.process().pid).not.toBe(pid);
    expect(await inspectRaw(`${upstream.host}/test/single:v1`)).toBe(image.manifest.bytes.toString());
    await upstream.stop();
    expect(upstream.process().isRunning()).toBe(false);
    expect(() => process.kill(upstream.process().pid, 0)).toThrow();
    await upstream.restart();
  });

  test("the corrupting proxy flips or truncates blob bodies on demand", async () => {
    const proxy = await startCorruptingProxy(upstream.url);
    try {
      const layer = image.layers[0];
      const url = `${proxy.url}/v2/test/single/blobs/${layer.descriptor.digest}`;
      const body = async () => Buffer.from(await (await fetch(url)).arrayBuffer());

      expect(sha256(await body())).toBe(layer.descriptor.digest);
      proxy.setFault("flip");
      const flipped = await body();
      expect(flipped.length).toBe(layer.descriptor.size);
      expect(sha256(flipped)).not.toBe(layer.descriptor.digest);
      proxy.setFault("truncate");
      await expect(body()).rejects.toThrow();
      expect(proxy.damaged()).toBe(2);
      // Manifests are never touched.
      const manifest = await fetch(`${proxy.url}/v2/test/single/manifests/v1`, {
        headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
      });
      expect(sha256(Buffer.from(await manifest.arrayBuffer()))).toBe(image.digests.manifest);
    } finally {
      await proxy.stop();
    }
  });
});

describe("registry with basic auth", () => {
  test("push and pull need the credentials", async () => {
    const dir = useTempDir();
    const creds = { username: "alice", password: "s3cret" };
    const upstream = await startUpstreamRegistry({ dir: `${dir}/upstream`, auth: creds });
    try {
      const image = makeImage({ layers: 1 });
      await writeOciLayout(`${dir}/layout`, { v1: image });
      await pushLayout(`${dir}/layout`, "v1", `${upstream.host}/private/img:v1`, { destCreds: creds });
      await expect(inspectRaw(`${upstream.host}/private/img:v1`)).rejects.toThrow(/unauthorized|authentication required/i);
      const podman = createPodman({ dir: `${dir}/podman` });
      await podman.pull(`${upstream.host}/private/img:v1`, { creds });
      expect(await podman.imageDigest(`${upstream.host}/private/img:v1`)).toBe(image.digests.manifest);
      // Anonymous attempts were turned away; the authenticated ones got the blobs.
      expect(upstream.countRequests({ status: 401 })).toBeGreaterThan(0);
      expect(upstream.countRequests({ ...blobGets, status: 200 })).toBe(2);
    } finally {
      await upstream.stop();
    }
  });
});

describe("fault stand-ins", () => {
  test("closed port refuses, black hole stays silent, 503 and 429 answer as told", async () => {
    const closed = await closedPort();
    await expect(fetch(closed.url)).rejects.toThrow();

    const hole = await blackHole();
    await expect(fetch(hole.url, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect(hole.hits()).toBe(1);
    await hole.stop();

    const unavailable = await always503();
    const r503 = await fetch(`${unavailable.url}/v2/`);
    expect([r503.status, await r503.text()]).toEqual([503, SECRET_503_BODY]);
    await unavailable.stop();

    const limited = await always429(7);
    const r429 = await fetch(`${limited.url}/v2/`);
    expect([r429.status, r429.headers.get("retry-after")]).toEqual([429, "7"]);
    await r429.body?.cancel();
    await limited.stop();

    // Once stopped, each port refuses connections again.
    const refused = new Promise((resolve) => connect(unavailable.port, "127.0.0.1").on("error", resolve));
    await expect(refused).resolves.toBeTruthy();
  });

  test("a spawned process can be stopped by pid or killed with -9", async () => {
    const sleeper = spawnProcess("sh", ["-c", 'trap "echo bye; exit 0" TERM; echo ready; while :; do sleep 0.1; done']);
    await sleeper.waitForLine(/^ready$/, 5_000);
    expect(await sleeper.stop()).toEqual({ code: 0, signal: null });
    expect(sleeper.stdout).toContain("bye");

    const stubborn = spawnProcess("sh", ["-c", 'trap "" TERM; echo up; while :; do sleep 0.1; done']);
    await stubborn.waitForLine(/up/, 5_000);
    expect((await stubborn.kill()).signal).toBe("SIGKILL");
  });
});
