// The scrub (issue 11): how close a run keeps to storage.scrub_rate, what it costs per
// blob, and the longest event-loop stall while it runs (a 5 ms timer's worst lateness;
// target under 50 ms), with a real store and SQLite file in process. Printed, never asserted.
//   bun bench/scrub.ts [--blobs 2000] [--mib 256] [--rate 50MiB/s]
// Two runs: at --rate, and at 100 GiB/s (no real bound: the hash and the disk's own speed).
import { mkdirSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { BlobStore } from "../src/blobstore/store.ts";
import { parseRate } from "../src/config/units.ts";
import { openDatabase } from "../src/db/client.ts";
import { recordBlob } from "../src/db/queries/blobs.ts";
import { digestOf } from "../src/oci/digest.ts";
import { bunPlatform } from "../src/platform/bun.ts";
import { createScrubber } from "../src/scrub/service.ts";
import { silentLogger } from "../src/telemetry/log.ts";
import { Metrics } from "../src/telemetry/metrics.ts";
import { makeTempDir } from "../test/helpers/temp-dirs.ts";
import { dirname } from "node:path";

const { values } = parseArgs({ options: { blobs: { type: "string", default: "2000" }, mib: { type: "string", default: "256" }, rate: { type: "string", default: "50MiB/s" } } });
const MiB = 1 << 20;
const count = Number(values.blobs);
const totalBytes = Number(values.mib) * MiB;
const rate = parseRate(values.rate!)!;
const log = (msg: string) => console.error(`[scrub bench] ${msg}`);

const temp = makeTempDir("regcache-bench-scrub-");
const store = new BlobStore(temp.path);
await store.init();
const database = openDatabase(bunPlatform.openSqlite(store.paths.database));
// Nine in ten blobs are small (configs, 2 KiB); the tenth share the rest of the bytes (layers).
const large = Math.max(1, Math.floor(count / 10));
const largeSize = Math.floor((totalBytes - (count - large) * 2048) / large);
log(`writing ${count} blobs (${count - large} × 2 KiB, ${large} × ${(largeSize / MiB).toFixed(1)} MiB)`);
const chunk = randomBytes(MiB);
for (let i = 0; i < count; i++) {
  const size = i < large ? largeSize : 2048;
  const bytes = Buffer.alloc(size);
  for (let o = 0; o < size; o += MiB) chunk.copy(bytes, o, 0, Math.min(MiB, size - o));
  bytes.writeUInt32BE(i, 0); // every blob different
  const digest = digestOf(bytes);
  mkdirSync(dirname(store.path(digest)), { recursive: true });
  writeFileSync(store.path(digest), bytes);
  recordBlob(database.db, digest, size, undefined, Date.now());
}

async function measure(label: string, bytesPerSecond: number) {
  const scrub = createScrubber({ db: database.db, store, log: silentLogger, metrics: new Metrics(), schedule: "", rate: bytesPerSecond, upstreams: [], refetch: () => {} });
  const stalls: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    stalls.push(now - last - 5);
    last = now;
  }, 5);
  const started = performance.now();
  const run = scrub.begin(false);
  while (run.state === "running") await new Promise((r) => setTimeout(r, 20));
  const ms = performance.now() - started;
  clearInterval(timer);
  stalls.sort((a, b) => a - b);
  const p99 = stalls[Math.floor(stalls.length * 0.99)] ?? 0;
  const achieved = run.checked_bytes / MiB / (ms / 1000);
  log(`${label}: ${run.state}, ${run.checked_blobs} blobs, ${(run.checked_bytes / MiB).toFixed(0)} MiB in ${(ms / 1000).toFixed(2)} s = ${achieved.toFixed(1)} MiB/s (bound ${(bytesPerSecond / MiB).toFixed(0)} MiB/s); event-loop stall max ${stalls.at(-1)!.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
  return { label, ms, achieved, maxStall: stalls.at(-1)!, p99 };
}

try {
  const bounded = await measure(`at ${values.rate}`, rate);
  const free = await measure("at 100GiB/s (unbounded)", 100 * 1024 * MiB);
  console.log(JSON.stringify({ blobs: count, mib: Number(values.mib), bounded, unbounded: free }));
} finally {
  database.close();
  temp.remove();
}
