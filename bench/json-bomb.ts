// Event-loop stall under JSON bombs (issue 10, item 7): regcache runs in this
// process (the same startServer the binary runs, on Bun), a 10 ms timer
// measures how late it fires, and four clients in a child process push the
// worst manifests in a loop: ~690k nested objects, and a flat 4 MiB one that
// passes the depth check and is refused later. Target: longest delay < 50 ms.
//
//   npm run build && node_modules/.bin/bun bench/json-bomb.ts [seconds=10]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../src/config/load.ts";
import { bunPlatform } from "../src/platform/bun.ts";
import { resolveConfig } from "../src/config/resolve.ts";
import { startServer } from "../src/server/start.ts";
import { silentLogger } from "../src/telemetry/log.ts";
import { jsonBomb } from "../test/helpers/hostile-upstream.ts";
import { freePort } from "../test/helpers/ports.ts";

const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const TARGET_MS = 50;

/**
 * The bodies pushed, by $BOMB: "deep" (default; item 7's ~690k nested objects, refused by the
 * depth scan), "wide" (690k empty objects side by side: passes the scan, JSON.parse builds them
 * all), "both", or "junk" (4 MB of "x": the cost of receiving 4 MB bodies at all, for comparison).
 */
function worstManifests(): Uint8Array[] {
  const wide = Buffer.from(`{"schemaVersion":2,"mediaType":"${MANIFEST}","annotations":{"x":[${Array(690_000).fill("{}").join(",")}]}}`);
  const which = process.env.BOMB ?? "deep";
  if (which === "junk") return [Buffer.alloc(4_000_000, 0x78)];
  return which === "deep" ? [jsonBomb()] : which === "wide" ? [wide] : [jsonBomb(), wide];
}

/** Child mode: four clients pushing the manifests in a loop until killed. */
async function clients(url: string): Promise<void> {
  const bodies = worstManifests();
  let sent = 0;
  const loop = async (i: number) => {
    for (let n = i; ; n++) {
      const r = await fetch(`${url}/v2/bench/bomb/manifests/v${n % 100}`, { method: "PUT", headers: { "content-type": MANIFEST }, body: bodies[n % bodies.length] as Uint8Array<ArrayBuffer> });
      await r.arrayBuffer();
      if (r.status >= 500) throw new Error(`server answered ${r.status}`);
      if (++sent % 20 === 0) process.stdout.write(`${sent}\n`);
    }
  };
  await Promise.all([0, 1, 2, 3].map(loop));
}

/** Longest lateness of a 10 ms interval timer over `ms`. */
function measureStall(ms: number): Promise<{ maxMs: number; p99Ms: number }> {
  return new Promise((resolve) => {
    let last = performance.now();
    const delays: number[] = [];
    const timer = setInterval(() => {
      const now = performance.now();
      delays.push(Math.max(0, now - last - 10));
      last = now;
    }, 10);
    setTimeout(() => {
      clearInterval(timer);
      delays.sort((a, b) => a - b);
      resolve({ maxMs: delays.at(-1) ?? 0, p99Ms: delays[Math.floor(delays.length * 0.99)] ?? 0 });
    }, ms);
  });
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 10);
  const dir = mkdtempSync(join(tmpdir(), "regcache-bench-bomb-"));
  const port = await freePort();
  const config = parseConfigText(`[server]\nlisten = "127.0.0.1:${port}"\nshutdown_grace = "0s"\n[storage]\npath = ${JSON.stringify(dir)}\n`, "bench");
  const running = await startServer(resolveConfig(config, "bench"), bunPlatform, silentLogger);
  const url = `http://127.0.0.1:${port}`;
  try {
    const idle = await measureStall(2_000);
    const child = spawn(process.execPath, [import.meta.filename, "--clients", url], { stdio: ["ignore", "pipe", "inherit"] });
    let pushes = 0;
    child.stdout.on("data", (d: Buffer) => (pushes = Number(d.toString().trim().split("\n").at(-1))));
    // Let the clients build their bodies and start pushing before measuring.
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    const loaded = await measureStall(seconds * 1000);
    child.kill("SIGKILL");
    const verdict = loaded.maxMs < TARGET_MS ? "PASS" : "FAIL";
    // On a shared machine the OS scheduler adds its own delays: the load average says how busy it was.
    console.log(
      `json-bomb (${process.env.BOMB ?? "deep"}): event-loop stall idle ${idle.maxMs.toFixed(1)} ms; with 4 clients pushing for ${seconds} s: ` +
        `max ${loaded.maxMs.toFixed(1)} ms, p99 ${loaded.p99Ms.toFixed(1)} ms (target max < ${TARGET_MS} ms) ${verdict}; ~${pushes} pushes refused; load average ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores`,
    );
  } finally {
    await running.shutdown("bench done");
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--clients") await clients(process.argv[3]!);
else await main();
