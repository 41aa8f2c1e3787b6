// Shared parts of the bundle tests: appliances with an upstream named
// "quay.io" (so references look like the ones sites use), running the CLI,
// and reading a manifest through a regcache with its X-Cache header.
import { readFileSync } from "node:fs";
import { freePort } from "../../helpers/ports.ts";
import { runCommand, type RunResult } from "../../helpers/processes.ts";
import { BINARY, startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { ACCEPT_MANIFESTS, upstreamToml } from "../prefetch/setup.ts";
import { makeImage, makeIndex, type GeneratedImage, type GeneratedIndex } from "../../helpers/oci-image.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { seed } from "../prefetch/setup.ts";

export const UPSTREAM = "quay.io";

/** An appliance whose quay.io is `url`; ttl 1h so an imported tag is served fresh. */
export function appliance(url: string): Promise<RegcacheProcess> {
  return startRegcache({ extraToml: upstreamToml(UPSTREAM, url, 'ttl = "1h"', 'staleness = "1h"') });
}

/** An appliance whose only upstream is a closed port on 127.0.0.1: the air gap. */
export async function airGapped(): Promise<RegcacheProcess> {
  return appliance(`http://127.0.0.1:${await freePort()}`);
}

export function cli(args: string[]): Promise<RunResult> {
  return runCommand(BINARY, args, { allowFailure: true, timeoutMs: 120_000 });
}

export async function manifestVia(regcache: RegcacheProcess, repository: string, reference: string): Promise<{ status: number; cache: string | null; body: Buffer }> {
  const r = await fetch(`${regcache.url}/v2/${repository}/manifests/${reference}`, { headers: { accept: ACCEPT_MANIFESTS } });
  return { status: r.status, cache: r.headers.get("x-cache"), body: Buffer.from(await r.arrayBuffer()) };
}

/** The byte offset of a blob's body in a tar bundle (after its 512-byte header). */
export function bodyOffset(tarPath: string, digest: string): number {
  const bytes = readFileSync(tarPath);
  const name = Buffer.from(`blobs/sha256/${digest.slice("sha256:".length)}\0`);
  const at = bytes.indexOf(name);
  if (at < 0 || at % 512 !== 0) throw new Error(`${digest} is not in ${tarPath}`);
  return at + 512;
}

/** The upstream of the round-trip tests: quay.io's org/app:1.2 (an image) and org/multi:v1 (a two-platform index). */
export async function upstreamWithTwoImages(workDir: string): Promise<{ upstream: UpstreamRegistry; app: GeneratedImage; multi: GeneratedIndex }> {
  const upstream = await startUpstreamRegistry({ dir: `${workDir}/upstream` });
  const app = makeImage({ layers: 2, layerSize: 256 * 1024 });
  const multi = makeIndex({ layers: 2, layerSize: 128 * 1024 });
  await seed(upstream, workDir, "org/app", { "1.2": app });
  await seed(upstream, workDir, "org/multi", { v1: multi });
  return { upstream, app, multi };
}
