// `npm run bench`: regcache side by side with the CNCF reference registry (direct and in
// its proxy mode) and nginx, in one run. See bench/README.md for what is measured how.
//   bun bench/run.ts [--json PATH] [--trials N] [--seconds N]
// Everything listens on 127.0.0.1; every process started here is stopped by pid at the
// end, also when a step fails.
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { startUpstreamRegistry } from "../test/helpers/upstream-registry.ts";
import { measureBigBlob } from "./big-blob.ts";
import { measureMemory } from "./memory.ts";
import { measurePulls } from "./cold-pull.ts";
import { concurrentColdGets } from "./concurrent.ts";
import { prepareFixtures } from "./fixtures.ts";
import { describeMachine } from "./machine.ts";
import { manifestRps } from "./manifest-rps.ts";
import { startNginx } from "./nginx.ts";
import { measureOutage } from "./outage.ts";
import { measureDisk } from "./disk.ts";
import { Lineup } from "./processes.ts";
import { evaluateTargets, markdown, type Results } from "./report.ts";
import { startReferenceProxy, startRegcacheProxy, upstreamEndpoint } from "./servers.ts";

const { values } = parseArgs({
  options: {
    json: { type: "string" },
    trials: { type: "string", default: "5" },
    seconds: { type: "string", default: "10" },
  },
});
const trials = Number(values.trials);
const manifestSeconds = Number(values.seconds);
const blobSeconds = Math.max(2, Math.round(manifestSeconds / 2));

const began = performance.now();
const log = (msg: string) => console.error(`[bench ${((performance.now() - began) / 1000).toFixed(0).padStart(3)} s] ${msg}`);

const lineup = new Lineup();
// Ctrl-C: stop by pid what we started, then leave (temp dirs go with the exit handler).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping everything`);
    void lineup.stopAll().finally(() => process.exit(130));
  });
}

async function main(): Promise<Results> {
  const machine = await describeMachine();
  const date = new Date().toISOString();
  log(`machine: ${JSON.stringify(machine)}`);

  const upstream = lineup.add("upstream registry", await startUpstreamRegistry(), (u) => u.stop());
  const fixtures = await prepareFixtures(upstream.host, log);
  const nginx = lineup.add("nginx", await startNginx(fixtures.layoutDir), (n) => n.stop());

  log(`cold and warm pulls, ${trials} trials`);
  const started = {
    proxy: [] as Awaited<ReturnType<typeof startReferenceProxy>>[],
    regcache: [] as Awaited<ReturnType<typeof startRegcacheProxy>>[],
  };
  const pulls = await measurePulls(
    upstream,
    fixtures.pull,
    trials,
    {
      proxy: async () => {
        const p = lineup.add("reference proxy", await startReferenceProxy(upstream), (p) => p.registry.stop());
        started.proxy.push(p);
        return { endpoint: p.endpoint, stop: () => p.registry.stop() };
      },
      regcache: async () => {
        const r = lineup.add("regcache", await startRegcacheProxy(upstream), (r) => r.regcache.dispose());
        started.regcache.push(r);
        return { endpoint: r.endpoint, stop: async () => void (await r.regcache.stop()) };
      },
    },
    log,
  );
  const proxy = started.proxy.at(-1)!;
  const regcache = started.regcache.at(-1)!;
  const direct = upstreamEndpoint(upstream);

  log(`manifest GETs/s, ${manifestSeconds} s each`);
  const rps = {
    upstream: await manifestRps(direct, fixtures.pull, manifestSeconds),
    proxy: await manifestRps(proxy.endpoint, fixtures.pull, manifestSeconds),
    regcache: await manifestRps(regcache.endpoint, fixtures.pull, manifestSeconds),
  };
  for (const [which, r] of Object.entries(rps)) log(`manifest GETs/s ${which}: ${r.requestsPerSecond.toFixed(0)} (${r.errors} errors)`);

  log("20 concurrent cold GETs of one blob");
  const blob = fixtures.concurrent.blobs[1]!.digest;
  const concurrent = {
    proxy: await concurrentColdGets(upstream, proxy.endpoint, fixtures.concurrent.repo, blob),
    regcache: await concurrentColdGets(upstream, regcache.endpoint, fixtures.concurrent.repo, blob),
  };
  for (const [which, c] of Object.entries(concurrent)) log(`20 concurrent cold GETs via ${which}: ${c.upstreamGets} upstream GETs, ${c.verified} verified`);

  log("512 MiB blob: cold, then cached throughput and peak RSS");
  const bigBlob = await measureBigBlob(
    upstream,
    { upstream: direct, proxy: proxy.endpoint, regcache: regcache.endpoint, nginx: { url: nginx.url, pid: () => nginx.process.pid } },
    fixtures,
    blobSeconds,
    log,
  );

  log(`memory: at rest, then 20 clients streaming the 512 MiB blob, fresh instances, ${trials} trials`);
  const memory = await measureMemory(upstream, fixtures, trials, log);

  log("every upstream down: restarting both caches");
  const outage = await measureOutage(upstream, { proxy, regcache }, fixtures.pull, { repo: fixtures.big.repo, ...fixtures.bigBlob });

  log("disk lifecycle: GC and eviction over 100,000 blobs (bench/disk.ts)");
  const disk = await measureDisk({ seconds: manifestSeconds, log });

  machine["load average at end"] = loadavg().map((l) => l.toFixed(2)).join(" ");
  const partial = { date, machine, pulls: pulls.figures, manifestRps: rps, concurrent, bigBlob, outage, memory, disk };
  return { ...partial, targets: evaluateTargets(partial), durationSeconds: (performance.now() - began) / 1000 };
}

let exitCode = 0;
try {
  const results = await main();
  console.log(markdown(results));
  if (values.json) {
    writeFileSync(values.json, JSON.stringify(results, null, 2) + "\n");
    log(`JSON written to ${values.json}`);
  }
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
} finally {
  await lineup.stopAll();
}
// A missed target is a finding, not a failure of the bench: exit 0 unless a step broke.
process.exit(exitCode);
