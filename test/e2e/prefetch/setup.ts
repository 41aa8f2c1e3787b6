// Shared set-up of the prefetcher's e2e tests: config tables, seeding the real
// upstream, the admin API, and what the blob store holds.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pushLayout } from "../../helpers/clients.ts";
import { writeOciLayout, type GeneratedImage, type GeneratedIndex } from "../../helpers/oci-image.ts";
import type { UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import type { RegcacheProcess } from "../regcache-process.ts";
import { MANIFEST_TYPES } from "../../../src/oci/media-types.ts";

const q = (value: string) => JSON.stringify(value);

/** An [[upstream]] table for a plain-HTTP test upstream; `more` is extra TOML lines. */
export function upstreamToml(name: string, url: string, ...more: string[]): string {
  return ["[[upstream]]", `name = ${q(name)}`, `url = ${q(url)}`, "insecure = true", ...more, ""].join("\n");
}

/** The [prefetch] table; `sweep = ""` unless given, so that only what a test starts runs. */
export function prefetchToml(settings: Record<string, string | number | boolean> = {}): string {
  const all: Record<string, string | number | boolean> = { sweep: "", ...settings };
  return ["[prefetch]", ...Object.entries(all).map(([k, v]) => `${k} = ${typeof v === "string" ? q(v) : String(v)}`), ""].join("\n");
}

/** Writes `tagged` as an OCI layout under `dir` and pushes every tag to `repo` at the upstream. */
export async function seed(upstream: UpstreamRegistry, dir: string, repo: string, tagged: Record<string, GeneratedImage | GeneratedIndex>): Promise<void> {
  const layout = join(dir, `layout-${repo.replaceAll("/", "_")}-${Object.keys(tagged).join("_")}-${Date.now()}`);
  await writeOciLayout(layout, tagged);
  for (const [tag, artifact] of Object.entries(tagged)) await pushLayout(layout, tag, `${upstream.host}/${repo}:${tag}`, { all: artifact.kind === "index" });
}

/** Every manifest type regcache understands, as a client would list them. */
export const ACCEPT_MANIFESTS = MANIFEST_TYPES.join(", ");

/** GET through regcache, body read in full; throws unless 200. */
export async function fetchOk(regcache: RegcacheProcess, path: string): Promise<Buffer> {
  const response = await fetch(`${regcache.url}${path}`, { headers: { accept: ACCEPT_MANIFESTS } });
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${body.toString().slice(0, 300)}`);
  return body;
}

/** An admin API call; throws unless 2xx. */
export async function api<T>(regcache: RegcacheProcess, path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${regcache.url}/api/v1${path}`, { ...init, headers: { "content-type": "application/json", ...init?.headers } });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init?.method ?? "GET"} /api/v1${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

export interface ImageRow {
  repository: string;
  tag: string;
  digest: string;
  complete: boolean;
  missing_blobs: number;
  missing_manifests: number;
  missing_bytes: number;
  total_bytes: number;
}

export async function images(regcache: RegcacheProcess): Promise<ImageRow[]> {
  return (await api<{ images: ImageRow[] }>(regcache, "/prefetch/images")).images;
}

export async function metric(regcache: RegcacheProcess, pattern: RegExp): Promise<number | undefined> {
  const text = await (await fetch(`${regcache.url}/metrics`)).text();
  const line = text.split("\n").find((l) => pattern.test(l));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

/** Where the blob store keeps a verified blob (src/blobstore/paths.ts). */
export function isStored(regcache: RegcacheProcess, digest: string): boolean {
  const hex = digest.slice("sha256:".length);
  return existsSync(join(regcache.storageDir, "blobs", "sha256", hex.slice(0, 2), hex));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` (sync or async) every 100 ms until it holds; returns the time it took. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
  return Date.now() - started;
}

/** regcache's request log lines for paths under `prefix` (client requests, not the admin API). */
export function clientRequests(regcache: RegcacheProcess, prefix: string): string[] {
  return regcache
    .logs()
    .filter((l) => l.msg === "request" && typeof l.path === "string" && l.path.startsWith(prefix))
    .map((l) => `${l.method} ${l.path}`);
}
