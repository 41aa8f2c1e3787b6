// A/B of warm manifest GETs, quicker than the full bench: Debian's docker-registry as the
// upstream with one small image, then for each binary given, alternating per trial, a fresh
// regcache on empty storage, one GET to warm the tag, and wrk -c32 -t2 on it. The upstream's
// own rate is measured in each trial too (issue 16's target: regcache at least 4x it).
//   bun bench/manifest-ab.ts [--trials 3] [--seconds 5] BINARY...
// A BINARY may be a wrapper script (e.g. one that runs the source under `bun --cpu-prof`).
// Everything on 127.0.0.1; every process is stopped by its pid.
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { pushLayout } from "../test/helpers/clients.ts";
import { makeImage, writeOciLayout } from "../test/helpers/oci-image.ts";
import { freePort } from "../test/helpers/ports.ts";
import { spawnProcess, waitForHttp } from "../test/helpers/processes.ts";
import { makeTempDir } from "../test/helpers/temp-dirs.ts";
import { startUpstreamRegistry } from "../test/helpers/upstream-registry.ts";
import { MANIFEST_ACCEPT } from "./manifest-rps.ts";
import { runWrk } from "./wrk.ts";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { trials: { type: "string", default: "3" }, seconds: { type: "string", default: "5" } } });
const trials = Number(values.trials);
const seconds = Number(values.seconds);
if (positionals.length === 0) throw new Error("usage: bun bench/manifest-ab.ts [--trials N] [--seconds S] BINARY...");

const work = makeTempDir("regcache-manifest-ab-");
const upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
await writeOciLayout(`${work.path}/layout`, { v1: makeImage({ layers: 1, layerSize: 1024 }) });
await pushLayout(`${work.path}/layout`, "v1", `${upstream.host}/lib/app:v1`, { all: false });
const wrk = (url: string) => runWrk(url, { connections: 32, threads: 2, seconds, headers: { Accept: MANIFEST_ACCEPT } });

async function measure(binary: string, trial: number): Promise<number> {
  const dir = `${work.path}/rc-${trial}-${Math.random().toString(36).slice(2)}`;
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  writeFileSync(`${dir}/regcache.toml`, `[server]\nlisten = "127.0.0.1:${port}"\n[storage]\npath = "${dir}/data"\n[[upstream]]\nname = "up"\nurl = "${upstream.url}"\ninsecure = true\n`);
  const child = spawnProcess(binary, ["serve", "--config", `${dir}/regcache.toml`], { name: `regcache ${port}` });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/v2/`, 20_000);
    const url = `http://127.0.0.1:${port}/v2/up/lib/app/manifests/v1`;
    const warm = await fetch(url, { headers: { accept: MANIFEST_ACCEPT } });
    await warm.arrayBuffer();
    if (warm.status !== 200) throw new Error(`${binary}: warm GET answered ${warm.status}`);
    return (await wrk(url)).requestsPerSecond;
  } finally {
    await child.stop("SIGTERM", 10_000);
  }
}

try {
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  const rows: { binary: string; rps: number; upstream: number }[] = [];
  for (let trial = 0; trial < trials; trial++) {
    for (const binary of positionals) {
      const own = (await wrk(`${upstream.url}/v2/lib/app/manifests/v1`)).requestsPerSecond;
      const rps = await measure(binary, trial);
      rows.push({ binary, rps, upstream: own });
      console.log(`${binary}: ${rps.toFixed(0)} GETs/s, upstream ${own.toFixed(0)} (${(rps / own).toFixed(2)}x)`);
    }
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log("| binary | warm manifest GETs/s (median) | upstream's own | ratio |\n|---|---:|---:|---:|");
  for (const binary of positionals) {
    const mine = rows.filter((r) => r.binary === binary);
    const rps = median(mine.map((r) => r.rps));
    const own = median(mine.map((r) => r.upstream));
    console.log(`| ${binary} | ${rps.toFixed(0)} | ${own.toFixed(0)} | ${(rps / own).toFixed(2)}x |`);
  }
  console.log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
} finally {
  await upstream.stop();
  work.remove();
}
