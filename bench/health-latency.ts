// /healthz and /readyz latency under the manifest load of the bench (issue 15, item 4):
// wrk -c32 -t2 GETs a warm manifest from regcache while two more wrk runs, one
// connection each, hit /healthz and /readyz. Target: p99 under 50 ms. Printed, never
// asserted (a busy machine moves it; tests assert behaviour, this measures).
//   npm run build && node_modules/.bin/bun bench/health-latency.ts [--seconds N]
// Everything listens on 127.0.0.1; every process started here is stopped by pid.
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { makeImage, writeOciLayout } from "../test/helpers/oci-image.ts";
import { runCommand } from "../test/helpers/processes.ts";
import { pushLayout } from "../test/helpers/skopeo.ts";
import { makeTempDir } from "../test/helpers/temp-dirs.ts";
import { startUpstreamRegistry } from "../test/helpers/upstream-registry.ts";
import { MANIFEST_ACCEPT, manifestRps } from "./manifest-rps.ts";
import { Lineup } from "./processes.ts";
import { startRegcacheProxy } from "./servers.ts";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "10" } } });
const seconds = Number(values.seconds);
const TARGET_P99_MS = 50;

// wrk's own latency histogram, read from a done() hook as JSON (microseconds).
const LATENCY_SCRIPT = `
done = function(summary, latency, requests)
  io.write(string.format('WRK_LATENCY {"requests":%d,"errors":%d,"p50":%d,"p99":%d,"max":%d}\\n',
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`;

interface Latency {
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

async function latency(url: string, secs: number, script: string): Promise<Latency> {
  const { stdout } = await runCommand("wrk", ["-c1", "-t1", `-d${secs}s`, "--timeout", "10s", "-s", script, url], { name: "wrk", timeoutMs: (secs + 60) * 1000 });
  const line = stdout.split("\n").find((l) => l.startsWith("WRK_LATENCY "));
  if (!line) throw new Error(`wrk printed no latency:\n${stdout}`);
  return JSON.parse(line.slice("WRK_LATENCY ".length)) as Latency;
}

const lineup = new Lineup();
const work = makeTempDir("regcache-bench-health-");
const script = join(work.path, "latency.lua");
writeFileSync(script, LATENCY_SCRIPT);

const before = loadavg();
try {
  const upstream = lineup.add("upstream registry", await startUpstreamRegistry(), (u) => u.stop());
  const image = makeImage({ layers: 1, layerSize: 4096 });
  const layout = join(work.path, "layout");
  await writeOciLayout(layout, { v1: image });
  await pushLayout(layout, "v1", `${upstream.host}/bench/health:v1`);
  const { endpoint } = lineup.add("regcache", await startRegcacheProxy(upstream), (r) => r.regcache.dispose());
  const bench = { repo: "bench/health", tag: "v1", manifestDigest: image.digests.manifest, blobs: [] };

  const idle = { healthz: await latency(`${endpoint.url}/healthz`, 3, script), readyz: await latency(`${endpoint.url}/readyz`, 3, script) };
  // The load first (manifestRps warms and checks the tag), the probes inside its window.
  const load = manifestRps(endpoint, bench, seconds);
  await new Promise((r) => setTimeout(r, 1_000));
  const [healthz, readyz] = await Promise.all([latency(`${endpoint.url}/healthz`, seconds - 2, script), latency(`${endpoint.url}/readyz`, seconds - 2, script)]);
  const manifests = await load;

  const ms = (us: number) => (us / 1000).toFixed(1);
  const row = (name: string, when: string, l: Latency) =>
    `| ${name} | ${when} | ${l.requests} | ${ms(l.p50)} | ${ms(l.p99)} | ${ms(l.max)} | ${l.p99 / 1000 <= TARGET_P99_MS ? "PASS" : "FAIL"} |`;
  // Other work on the machine shows in the tail: say how busy it was.
  console.log(`\nload average before: ${before.map((l) => l.toFixed(2)).join(" ")}, after: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(`manifest load: ${manifests.requestsPerSecond.toFixed(0)} GET/s at 32 connections (${MANIFEST_ACCEPT.split(",").length} Accept types), ${manifests.errors} errors`);
  console.log(`| endpoint | load | requests | p50 ms | p99 ms | max ms | p99 < ${TARGET_P99_MS} ms |`);
  console.log("|---|---|---|---|---|---|---|");
  console.log(row("/healthz", "alone, 1 connection", idle.healthz));
  console.log(row("/readyz", "alone, 1 connection", idle.readyz));
  console.log(row("/healthz", "under manifest load", healthz));
  console.log(row("/readyz", "under manifest load", readyz));
} finally {
  await lineup.stopAll();
  work.remove();
}
