// The results as one object (written as JSON with --json) and as a markdown table,
// with PASS/FAIL for each of regcache's targets.
import type { DiskFigures } from "./disk.ts";
import { CLIENTS as MEMORY_CLIENTS, type MemoryFigures } from "./memory.ts";
import type { BigBlobFigures } from "./big-blob.ts";
import type { PullFigures } from "./cold-pull.ts";
import type { ConcurrentFigures } from "./concurrent.ts";
import type { OutageFigures } from "./outage.ts";
import { median } from "./pulls.ts";
import type { WrkResult } from "./wrk.ts";

export interface Results {
  date: string;
  machine: Record<string, string>;
  pulls: PullFigures;
  manifestRps: Record<"upstream" | "proxy" | "regcache", WrkResult>;
  concurrent: Record<"proxy" | "regcache", ConcurrentFigures>;
  bigBlob: BigBlobFigures;
  outage: Record<"proxy" | "regcache", OutageFigures>;
  /** Issue 16's memory figure: at rest, and 20 clients streaming the 512 MiB blob (memory.ts). */
  memory: MemoryFigures;
  /** Disk lifecycle (issue 11, bench/disk.ts). */
  disk?: DiskFigures;
  targets: Target[];
  durationSeconds: number;
}

export interface Target {
  name: string;
  target: string;
  actual: string;
  pass: boolean;
}

const f = (n: number, digits = 0) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const x = (n: number) => `${f(n, 2)}×`;

export function evaluateTargets(r: Omit<Results, "targets" | "durationSeconds">): Target[] {
  const { pulls, manifestRps, concurrent, bigBlob, outage, memory } = r;
  const gets = pulls.regcache.upstreamGetsPerBlob;
  const bestOther = Math.max(bigBlob.cached.nginx.mbPerSecond, bigBlob.cached.proxy.mbPerSecond);
  const rpsRatio = manifestRps.regcache.requestsPerSecond / manifestRps.upstream.requestsPerSecond;
  const blobRatio = bigBlob.cached.regcache.mbPerSecond / bestOther;
  const o = outage.regcache;
  return [
    {
      name: "cold pull",
      target: "≤ 1.10× direct, exactly 1 upstream GET per blob",
      actual: `${x(pulls.regcacheColdRatio)} direct, ${gets.map((g) => f(g, 2)).join("/")} GETs per blob`,
      pass: pulls.regcacheColdRatio <= 1.1 && gets.every((g) => g === 1),
    },
    {
      name: "cold 512 MiB blob MB/s",
      target: "≥ the reference proxy's",
      actual: `${x(bigBlob.cold.regcache.mbPerSecond / bigBlob.cold.proxy.mbPerSecond)} the reference proxy's`,
      pass: bigBlob.cold.regcache.mbPerSecond >= bigBlob.cold.proxy.mbPerSecond,
    },
    {
      name: "warm manifest GETs/s",
      target: "≥ 4× the upstream's",
      actual: `${x(rpsRatio)} the upstream's`,
      pass: rpsRatio >= 4 && manifestRps.regcache.errors === 0,
    },
    {
      name: "cached 512 MiB blob MB/s",
      target: "≥ 0.9× the better of nginx and the reference proxy",
      actual: `${x(blobRatio)}`,
      pass: blobRatio >= 0.9 && bigBlob.cached.regcache.errors === 0,
    },
    {
      name: "20 concurrent cold GETs of one blob",
      target: "exactly 1 upstream fetch, 20 verified responses",
      actual: `${concurrent.regcache.upstreamGets} upstream GET(s), ${concurrent.regcache.verified} verified`,
      pass: concurrent.regcache.upstreamGets === 1 && concurrent.regcache.verified === concurrent.regcache.clients,
    },
    {
      name: `peak RSS, ${MEMORY_CLIENTS} clients streaming 512 MiB`,
      target: "≤ at-rest + 48 MiB",
      actual: `+${f(memory.regcache.over)} MiB over at-rest (median of ${memory.trials})`,
      pass: memory.regcache.over <= 48,
    },
    {
      name: "at-rest RSS",
      target: "≤ 80 MiB",
      actual: `${f(memory.regcache.rest)} MiB`,
      pass: memory.regcache.rest <= 80,
    },
    {
      name: "every upstream down",
      target: "starts and serves its cache",
      actual: o.started ? `started; pull ${o.pulled ? "ok" : "failed"}, 512 MiB blob ${o.bigBlobServed ? "served" : "not served"}` : `did not start: ${o.reason}`,
      pass: o.started && o.pulled === true && o.bigBlobServed === true,
    },
  ];
}

function outageCell(o: OutageFigures): string {
  if (!o.started) return `does not start (${(o.reason ?? "").replace(/\|/g, "\\|").slice(0, 90)})`;
  return `starts; pull ${o.pulled ? `ok in ${f(o.pullSeconds ?? NaN, 2)} s` : "fails"}; blob ${o.bigBlobServed ? "served" : "not served"}`;
}

export function markdown(r: Results): string {
  const { pulls, manifestRps, concurrent, bigBlob, outage } = r;
  const direct = median(pulls.directSeconds);
  const pass = (name: string) => {
    const t = r.targets.find((t) => t.name === name)!;
    return `**${t.pass ? "PASS" : "FAIL"}** (${t.target})`;
  };
  const bestOther = Math.max(bigBlob.cached.nginx.mbPerSecond, bigBlob.cached.proxy.mbPerSecond);
  const gets = (g: number[]) => g.map((v) => f(v, 2)).join(" / ");
  const rows = [
    ["measurement", "upstream (direct)", "reference proxy", "regcache", "nginx", "regcache target"],
    ["---", "---:", "---:", "---:", "---:", "---"],
    [
      `cold pull, 4 × 64 MiB (s, median of ${pulls.directSeconds.length})`,
      f(direct, 2),
      `${f(median(pulls.proxy.coldSeconds), 2)} (${x(pulls.proxyColdRatio)})`,
      `${f(median(pulls.regcache.coldSeconds), 2)} (${x(pulls.regcacheColdRatio)})`,
      "",
      pass("cold pull"),
    ],
    ["upstream GETs per blob, each cold pull", "", gets(pulls.proxy.upstreamGetsPerBlob), gets(pulls.regcache.upstreamGetsPerBlob), "", ""],
    ["warm pull (s, median)", f(direct, 2), f(median(pulls.proxy.warmSeconds), 2), f(median(pulls.regcache.warmSeconds), 2), "", ""],
    [
      "manifest GETs/s by tag, 32 connections",
      f(manifestRps.upstream.requestsPerSecond),
      f(manifestRps.proxy.requestsPerSecond),
      `${f(manifestRps.regcache.requestsPerSecond)} (${x(manifestRps.regcache.requestsPerSecond / manifestRps.upstream.requestsPerSecond)} upstream)`,
      "",
      pass("warm manifest GETs/s"),
    ],
    [
      "cached 512 MiB blob GET, 1 connection (MB/s)",
      "",
      f(bigBlob.cached.proxy.mbPerSecond),
      `${f(bigBlob.cached.regcache.mbPerSecond)} (${x(bigBlob.cached.regcache.mbPerSecond / bestOther)} best)`,
      f(bigBlob.cached.nginx.mbPerSecond),
      pass("cached 512 MiB blob MB/s"),
    ],
    [
      "cold 512 MiB blob GET through the cache (MB/s; upstream GETs)",
      "",
      `${f(bigBlob.cold.proxy.mbPerSecond)}; ${bigBlob.cold.proxy.upstreamGets}`,
      `${f(bigBlob.cold.regcache.mbPerSecond)}; ${bigBlob.cold.regcache.upstreamGets}`,
      "",
      pass("cold 512 MiB blob MB/s"),
    ],
    [
      "upstream GETs for 20 concurrent cold GETs of one 64 MiB blob (verified responses)",
      "",
      `${concurrent.proxy.upstreamGets} (${concurrent.proxy.verified}/20)`,
      `${concurrent.regcache.upstreamGets} (${concurrent.regcache.verified}/20)`,
      "",
      pass("20 concurrent cold GETs of one blob"),
    ],
    [
      `peak RSS while streaming 512 MiB blobs (MiB${bigBlob.resetWorked ? "" : ", whole run"})`,
      f(bigBlob.peakRssMiB.upstream),
      f(bigBlob.peakRssMiB.proxy),
      `${f(bigBlob.peakRssMiB.regcache)} (${x(bigBlob.peakRssMiB.regcache / bigBlob.peakRssMiB.proxy)} proxy)`,
      f(bigBlob.peakRssMiB.nginx),
      "",
    ],
    [
      "peak RSS from start until then: pulls, manifest load, 20 concurrent GETs (MiB)",
      f(bigBlob.peakRssBeforeMiB.upstream),
      f(bigBlob.peakRssBeforeMiB.proxy),
      f(bigBlob.peakRssBeforeMiB.regcache),
      f(bigBlob.peakRssBeforeMiB.nginx),
      "",
    ],
    [
      `at-rest RSS, fresh instance (MiB, median of ${r.memory.trials})`,
      "",
      f(r.memory.proxy.rest),
      f(r.memory.regcache.rest),
      "",
      pass("at-rest RSS"),
    ],
    [
      `peak RSS, ${MEMORY_CLIENTS} clients × 512 MiB cold then cached (MiB; over at-rest)`,
      "",
      `${f(r.memory.proxy.peak)}; +${f(r.memory.proxy.over)}`,
      `${f(r.memory.regcache.peak)}; +${f(r.memory.regcache.over)}`,
      "",
      pass(`peak RSS, ${MEMORY_CLIENTS} clients streaming 512 MiB`),
    ],
    ["restarted while every upstream is down", "(stopped)", outageCell(outage.proxy), outageCell(outage.regcache), "", pass("every upstream down")],
  ];
  const table = rows.map((row) => `| ${row.join(" | ")} |`).join("\n");
  const machine = Object.entries(r.machine)
    .map(([k, v]) => `${k}: ${v}`)
    .join("; ");
  const verdict = r.targets.map((t) => `- ${t.pass ? "PASS" : "FAIL"} ${t.name}: ${t.actual} (target ${t.target})`).join("\n");
  // Other work on the machine skews every timing here (2 cores): say so next to the figures.
  const busyPercent = Number.parseFloat(r.machine["CPU busy before start"] ?? "0");
  const busy = busyPercent > 10 ? `\n**Something else was using the CPU (${busyPercent.toFixed(0)} % busy before start): timings are unreliable, rerun when the machine is quiet.**\n` : "";
  return `## regcache bench, ${r.date}\n\n${machine}\n${busy}\n${table}\n\n${verdict}\n${r.disk ? diskMarkdown(r.disk) : ""}\nTotal time ${f(r.durationSeconds)} s. MB = 10^6 bytes.\n`;
}

/** The disk lifecycle's figures (bench/disk.ts), with their targets. */
export function diskMarkdown(d: DiskFigures): string {
  const ok = (b: boolean) => (b ? "PASS" : "FAIL");
  return [
    "",
    `### Disk lifecycle: ${d.blobs} blobs in ${d.manifests} manifests`,
    "",
    "| measurement | figure | target |",
    "| --- | ---: | --- |",
    `| GC: ${d.gc.blobsDeleted} unreferenced blobs of ${d.blobs} | ${f(d.gc.seconds, 2)} s, longest stall ${f(d.gc.maxStallMs, 1)} ms | ${ok(d.gc.maxStallMs < 50)} stall < 50 ms |`,
    `| eviction: ${d.eviction.imagesEvicted} images, LRU | ${f(d.eviction.seconds, 2)} s, longest stall ${f(d.eviction.maxStallMs, 1)} ms | ${ok(d.eviction.maxStallMs < 50)} stall < 50 ms |`,
    `| warm manifest GET p99, idle / during GC | ${f(d.manifestGetP99Ms.idle, 2)} / ${f(d.manifestGetP99Ms.duringGc, 2)} ms | ${ok(d.manifestGetP99Ms.duringGc <= 2 * d.manifestGetP99Ms.idle)} within 2× |`,
    `| warm manifest GETs/s, record_pulls on / off | ${f(d.manifestRps.recordPullsOn)} / ${f(d.manifestRps.recordPullsOff)} | ${ok(d.manifestRps.recordPullsOn >= 0.9 * d.manifestRps.recordPullsOff)} on within 10% |`,
    "",
  ].join("\n");
}
