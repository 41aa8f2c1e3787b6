// Bundle throughput: `regcache export` and `regcache import` of a 1 GiB bundle
// (4 images × 2 layers × 128 MiB, random, so nothing compresses), beside
// `skopeo copy` of the same images between two OCI layouts as the reference for
// "moving an image layout from disk to disk". MB/s = 10^6 bytes / s. Printed,
// never asserted.
//   bun bench/bundle.ts        (after `npm run build`)
// Everything listens on 127.0.0.1; every process started here is stopped by pid.
import { statSync } from "node:fs";
import { join } from "node:path";
import { makeImage, writeOciLayout } from "../test/helpers/oci-image.ts";
import { runCommand } from "../test/helpers/processes.ts";
import { pushLayout, skopeoCopy } from "../test/helpers/skopeo.ts";
import { makeTempDir } from "../test/helpers/temp-dirs.ts";
import { startUpstreamRegistry } from "../test/helpers/upstream-registry.ts";
import { freePort } from "../test/helpers/ports.ts";
import { BINARY, startRegcache } from "../test/e2e/regcache-process.ts";

const MiB = 1024 * 1024;
const IMAGES = 4;
const log = (msg: string) => console.error(`[bundle bench] ${msg}`);
const mbps = (bytes: number, ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(0);

async function timed(what: string, run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  const ms = performance.now() - started;
  log(`${what}: ${(ms / 1000).toFixed(1)} s`);
  return ms;
}

const work = makeTempDir("regcache-bench-bundle-");
const upstream = await startUpstreamRegistry({ dir: join(work.path, "upstream") });
const toml = (url: string) => `[[upstream]]\nname = "quay.io"\nurl = "${url}"\ninsecure = true\nttl = "1h"\n`;
const a = await startRegcache({ extraToml: toml(upstream.url) });
const b = await startRegcache({ extraToml: toml(`http://127.0.0.1:${await freePort()}`) });
try {
  const refs: string[] = [];
  const layouts: string[] = [];
  for (let i = 0; i < IMAGES; i++) {
    // One image at a time, so only its layers are in memory.
    const layout = join(work.path, `src-${i}`);
    await writeOciLayout(layout, { v1: makeImage({ layers: 2, layerSize: 128 * MiB }) });
    await pushLayout(layout, "v1", `${upstream.host}/bench/app${i}:v1`, { timeoutMs: 600_000 });
    layouts.push(layout);
    refs.push(`quay.io/bench/app${i}:v1`);
  }
  log(`${IMAGES} images pushed; completing them in A`);
  await runCommand(BINARY, ["prefetch", "--server", a.url, ...refs], { timeoutMs: 600_000 });

  const bundle = join(work.path, "bundle.tar");
  const exportMs = await timed("export", () => runCommand(BINARY, ["export", "--server", a.url, "--out", bundle, ...refs], { timeoutMs: 600_000 }));
  const bytes = statSync(bundle).size;
  const importMs = await timed("import", () => runCommand(BINARY, ["import", "--server", b.url, bundle], { timeoutMs: 600_000 }));
  const rerunMs = await timed("import again (every blob present)", () => runCommand(BINARY, ["import", "--server", b.url, bundle], { timeoutMs: 600_000 }));
  const dst = join(work.path, "dst");
  const skopeoMs = await timed("skopeo copy oci→oci", async () => {
    for (let i = 0; i < IMAGES; i++) await skopeoCopy(`oci:${layouts[i]}:v1`, `oci:${dst}:app${i}`, { timeoutMs: 600_000 });
  });
  console.log(`bundle: ${(bytes / MiB).toFixed(0)} MiB, ${IMAGES} images`);
  console.log(`regcache export (store → tar file):          ${mbps(bytes, exportMs)} MB/s`);
  console.log(`regcache import (tar file → verified store): ${mbps(bytes, importMs)} MB/s`);
  console.log(`regcache import, rerun (all present):        ${mbps(bytes, rerunMs)} MB/s`);
  console.log(`skopeo copy oci:→oci: (reference):           ${mbps(bytes, skopeoMs)} MB/s`);
} finally {
  await a.dispose();
  await b.dispose();
  await upstream.stop();
  work.remove();
}
