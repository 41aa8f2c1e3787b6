// The fuzz test of issue 10: at least 20,000 generated requests against the
// compiled binary, with local repositories and a cached one (the CNCF
// registry as upstream). Never a 5xx except the documented 502/503/507, no
// crash, no file created outside the storage path, and /v2/ still answers at
// the end. The seed is printed; FUZZ_SEED=<n> replays a run.
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { MARKER, RequestGenerator, type FuzzRequest } from "../../helpers/fuzz-requests.ts";
import { makeImage } from "../../helpers/oci-image.ts";
import { makeTempDir } from "../../helpers/temp-dirs.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { REPO_ROOT, startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { seed, upstreamToml } from "../pull-through/setup.ts";

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 20_000);
const WORKERS = 8;
// The 5xx statuses regcache documents: upstream trouble and a full disk.
const DOCUMENTED_5XX = new Set([502, 503, 507]);

const work = makeTempDir("regcache-fuzz-");
let upstream: UpstreamRegistry;
let regcache: RegcacheProcess;
const image = makeImage({ layers: 2, layerSize: 4 * 1024 });

beforeAll(async () => {
  console.log(`fuzz: seed ${SEED} (replay with FUZZ_SEED=${SEED}), ${REQUESTS} requests`);
  upstream = await startUpstreamRegistry();
  await seed(upstream, work.path, "library/small", { v1: image });
  regcache = await startRegcache({ extraToml: upstreamToml({ name: "up", url: upstream.url, ttl: "1s" }) });
});

afterAll(async () => {
  await regcache?.dispose();
  await upstream?.stop();
  work.remove();
});

/** Files whose name carries the marker, anywhere an escaped path could land (outside the storage). */
function markedFilesOutsideStorage(): string[] {
  const roots = [tmpdir(), REPO_ROOT, "/"];
  // find's exit status is ignored: other tests' temp dirs come and go while it walks.
  const out = spawnSync("find", [...roots, "-xdev", "-maxdepth", "3", "-name", `*${MARKER}*`, "-not", "-path", `${regcache.storageDir}/*`], { encoding: "utf8" }).stdout.trim();
  return out ? out.split("\n") : [];
}

interface Failure {
  request: string;
  status: number | string;
}

test("generated requests never get an undocumented 5xx, and the server stays up", async () => {
  const generator = new RequestGenerator(SEED, {
    cachedRepo: "up/library/small",
    cachedTag: "v1",
    cachedBlobs: [image.digests.config, ...image.digests.layers],
    cachedManifest: image.digests.manifest,
  });
  const failures: Failure[] = [];
  const statuses = new Map<number, number>();
  let sent = 0;
  const started = performance.now();

  const send = async (r: FuzzRequest): Promise<Response | undefined> => {
    sent++;
    const describe = `${r.method} ${r.path.slice(0, 200)} ${JSON.stringify(r.headers)}`;
    try {
      const response = await fetch(r.path.startsWith("http") ? r.path : `${regcache.url}${r.path}`, {
        method: r.method,
        headers: r.headers,
        body: r.body as Uint8Array<ArrayBuffer> | undefined,
        redirect: "manual",
        // Generous: a hung request is a failure, not a timing figure.
        signal: AbortSignal.timeout(60_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status >= 500 && !DOCUMENTED_5XX.has(response.status)) failures.push({ request: describe, status: response.status });
      if (process.env.FUZZ_SHOW && response.status >= 500) console.log("5xx", response.status, describe);
      return response;
    } catch (e) {
      // fetch refuses some generated URLs and headers itself; only a failure of the server counts.
      if (e instanceof TypeError && !/socket|connect|closed|reset/i.test(String(e))) return undefined;
      failures.push({ request: describe, status: String(e) });
      return undefined;
    }
  };

  const worker = async () => {
    while (sent < REQUESTS) {
      const r = generator.request();
      const response = await send(r);
      // A started upload continues as a chunked session in a random order.
      const location = response?.status === 202 ? response.headers.get("location") : null;
      if (location && r.path.includes("/blobs/uploads/")) {
        for (const step of generator.uploadSession(new URL(location, regcache.url).toString())) await send(step);
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  const seconds = (performance.now() - started) / 1000;

  const probeStarted = performance.now();
  const probe = await fetch(`${regcache.url}/v2/`, { signal: AbortSignal.timeout(10_000) });
  const probeMs = performance.now() - probeStarted;
  console.log(
    `fuzz: seed ${SEED}: ${sent} requests in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}; /v2/ answered in ${probeMs.toFixed(1)} ms afterwards`,
  );

  expect(failures.slice(0, 20), `seed ${SEED}`).toEqual([]);
  expect(sent).toBeGreaterThanOrEqual(REQUESTS);
  expect(probe.status).toBe(200);
  expect(regcache.process().isRunning()).toBe(true);
  expect(regcache.logs().filter((l) => l.level === "error"), `seed ${SEED}`).toEqual([]);
  expect(markedFilesOutsideStorage(), `seed ${SEED}`).toEqual([]);
});
