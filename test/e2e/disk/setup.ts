// Shared set-up of the disk lifecycle's e2e tests (issue 11): the bytes under
// storage.path as an operator's `du` counts them (SQLite files excepted), a
// sampler that records the largest figure while a test runs, and the admin
// API's storage report.
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { UsageReport } from "../../../src/lifecycle/report.ts";
import type { RegcacheProcess } from "../regcache-process.ts";

/**
 * Bytes of the files under `root`, the SQLite files excepted (what storage.max_size counts).
 * Files move uploads/ → tmp/ → blobs/ by rename while we walk, so the folders are walked
 * against that direction (blobs/ first): a moving file is counted once or missed, never twice.
 */
export function storeBytes(root: string): number {
  let total = 0;
  const walk = (dir: string, top: boolean) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (top && (e.name.startsWith("regcache.db") || ["blobs", "tmp", "uploads"].includes(e.name))) continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path, false);
      else {
        try {
          total += lstatSync(path).size;
        } catch {
          // renamed or removed while we walked
        }
      }
    }
  };
  for (const sub of ["blobs", "tmp", "uploads"]) walk(join(root, sub), false);
  walk(root, true);
  return total;
}

/** Samples storeBytes every few ms until stopped; `max` is the largest figure seen. */
export function sampleStore(root: string): { readonly max: number; readonly samples: number; stop(): void } {
  let max = 0;
  let samples = 0;
  const timer = setInterval(() => {
    max = Math.max(max, storeBytes(root));
    samples++;
  }, 5);
  return {
    get max() {
      return max;
    },
    get samples() {
      return samples;
    },
    stop: () => clearInterval(timer),
  };
}

export async function du(regcache: RegcacheProcess): Promise<UsageReport> {
  const r = await fetch(`${regcache.url}/api/v1/storage`);
  if (!r.ok) throw new Error(`GET /api/v1/storage: ${r.status} ${await r.text()}`);
  return (await r.json()) as UsageReport;
}

/** Waits until no digest is leased (served manifests and blobs are held for a few seconds). */
export async function waitUntilIdle(regcache: RegcacheProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await du(regcache)).store.in_use === 0) return;
    if (Date.now() > deadline) throw new Error("digests still in use after " + timeoutMs + " ms");
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Bytes of an image's blobs as the upstream stores them (config + layers). */
export function imageBytes(image: { config: { bytes: Uint8Array }; layers: { bytes: Uint8Array }[] }): number {
  return image.config.bytes.byteLength + image.layers.reduce((n, l) => n + l.bytes.byteLength, 0);
}
