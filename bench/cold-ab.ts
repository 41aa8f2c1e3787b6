// A/B of the cold-blob path, quicker than the full bench: nginx (sendfile) serves one
// random blob as the upstream, so the upstream costs next to nothing and what is measured
// is regcache's own streaming path. For each binary given, alternating, per trial: a fresh
// regcache on empty storage; at-rest RSS (2 s after start, one /v2/ served); one cold curl
// of the blob (MB/s); then, on a second fresh instance, 20 clients at once cold, then 20
// at once cached, with VmHWM over that phase; then, on a third, one cold GET whose client
// leaves at once (the download goes on, as a prefetch does), with VmHWM until it is stored.
//   bun bench/cold-ab.ts [--mib 512] [--trials 3] BINARY...
// Everything on 127.0.0.1; every process is stopped by its pid.
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, openSync, writeSync, closeSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../test/helpers/ports.ts";
import { runCommand, spawnProcess, waitForHttp } from "../test/helpers/processes.ts";
import { makeTempDir } from "../test/helpers/temp-dirs.ts";
import { waitUntilCached } from "./big-blob.ts";
import { singleGet } from "./blob-throughput.ts";
import { startNginx } from "./nginx.ts";
import { peakRssMiB, resetPeakRss, rssMiB } from "./rss.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { mib: { type: "string", default: "512" }, trials: { type: "string", default: "3" }, clients: { type: "string", default: "20" } },
});
const size = Number(values.mib) * 1024 * 1024;
const trials = Number(values.trials);
const clients = Number(values.clients);

const root = makeTempDir("regcache-cold-ab-").path;
const blobDir = join(root, "v2", "r", "blobs");
mkdirSync(blobDir, { recursive: true });
const hash = createHash("sha256");
const tmp = join(root, "blob");
const fd = openSync(tmp, "w");
for (let written = 0; written < size; ) {
  const chunk = randomBytes(Math.min(8 << 20, size - written));
  hash.update(chunk);
  writeSync(fd, chunk);
  written += chunk.byteLength;
}
closeSync(fd);
const digest = `sha256:${hash.digest("hex")}`;
await runCommand("mv", [tmp, join(blobDir, digest)], { name: "mv", timeoutMs: 10_000 });
const nginx = await startNginx(root);

async function start(binary: string) {
  const dir = makeTempDir("regcache-cold-ab-rc-").path;
  const port = await freePort();
  const config = join(dir, "regcache.toml");
  writeFileSync(
    config,
    `[server]\nlisten = "127.0.0.1:${port}"\n[storage]\npath = "${dir}/data"\n[[upstream]]\nname = "up"\nurl = "${nginx.url}"\ninsecure = true\n`,
  );
  const child = spawnProcess(binary, ["serve", "--config", config], { name: `regcache ${port}` });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/v2/`, 20_000);
  return { url, child };
}

async function curl(url: string): Promise<{ seconds: number; bytes: number }> {
  const got = await singleGet(url);
  if (got.status !== 200 || got.bytes !== size) throw new Error(`curl ${url}: ${got.status}, ${got.bytes} bytes`);
  return got;
}

/** CPU seconds (user + system, all threads) the process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

type Row = { rest: number; coldMBs: number; coldCpu: number; cold20s: number; cached20s: number; peak: number; unreadOver: number };
const rows: Record<string, Row[]> = {};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.error(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
for (let t = 0; t < trials; t++) {
  for (const binary of t % 2 ? [...positionals].reverse() : positionals) {
    const blobPath = (u: string) => `${u}/v2/up/r/blobs/${digest}`;
    let a = await start(binary);
    await new Promise((r) => setTimeout(r, 2000));
    const rest = rssMiB(a.child.pid);
    const cpu0 = cpuSeconds(a.child.pid);
    const one = await curl(blobPath(a.url));
    await waitUntilCached(blobPath(a.url));
    const coldCpu = cpuSeconds(a.child.pid) - cpu0;
    await a.child.stop("SIGTERM", 5000);
    a = await start(binary);
    await new Promise((r) => setTimeout(r, 1000));
    resetPeakRss(a.child.pid);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: clients }, () => curl(blobPath(a.url))));
    const cold20s = (performance.now() - t0) / 1000;
    await waitUntilCached(blobPath(a.url));
    const t1 = performance.now();
    await Promise.all(Array.from({ length: clients }, () => curl(blobPath(a.url))));
    const cached20s = (performance.now() - t1) / 1000;
    const peak = peakRssMiB(a.child.pid);
    await a.child.stop("SIGTERM", 5000);
    // A download nobody reads: the client takes the headers and leaves.
    a = await start(binary);
    await new Promise((r) => setTimeout(r, 1000));
    const unreadRest = rssMiB(a.child.pid);
    resetPeakRss(a.child.pid);
    const left = await fetch(blobPath(a.url));
    await left.body?.cancel();
    await waitUntilCached(blobPath(a.url));
    const unreadOver = peakRssMiB(a.child.pid) - unreadRest;
    await a.child.stop("SIGTERM", 5000);
    const row = { rest, coldMBs: size / one.seconds / 1e6, coldCpu, cold20s, cached20s, peak, unreadOver };
    (rows[binary] ??= []).push(row);
    console.error(`${binary}: ${JSON.stringify(row)} load ${loadavg()[0]!.toFixed(2)}`);
  }
}
await nginx.stop();
console.log(`| binary | at-rest RSS MiB | cold 1 client MB/s | its CPU s | ${clients} cold s | ${clients} cached s | peak RSS MiB | peak - rest | unread download: peak - rest |`);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const [b, rs] of Object.entries(rows)) {
  const m = (k: keyof Row) => median(rs.map((r) => r[k]));
  console.log(`| ${b} | ${m("rest").toFixed(0)} | ${m("coldMBs").toFixed(0)} | ${m("coldCpu").toFixed(2)} | ${m("cold20s").toFixed(2)} | ${m("cached20s").toFixed(2)} | ${m("peak").toFixed(0)} | ${median(rs.map((r) => r.peak - r.rest)).toFixed(0)} | ${m("unreadOver").toFixed(0)} |`);
}
console.log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
process.exit(0);
