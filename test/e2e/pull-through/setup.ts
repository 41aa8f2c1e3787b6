// Shared set-up of the pull-through e2e tests: the [[upstream]] table, seeding the
// real upstream with generated images, re-pointing a configured upstream at a fault
// stand-in, and reading what regcache answered (X-Cache, OCI errors, request log lines).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pushLayout } from "../../helpers/clients.ts";
import { writeOciLayout, type GeneratedImage, type GeneratedIndex } from "../../helpers/oci-image.ts";
import type { UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import type { LogLine, RegcacheProcess } from "../regcache-process.ts";
import { MANIFEST_TYPES } from "../../../src/oci/media-types.ts";

export interface UpstreamTable {
  name: string;
  url: string;
  ttl?: string;
  staleness?: string;
  connectTimeout?: string;
  timeout?: string;
  username?: string;
  passwordFile?: string;
  staleIfError?: string[];
}

const q = (value: string) => JSON.stringify(value);

/** One `[[upstream]]` table; every test upstream is plain HTTP on 127.0.0.1 (or *.invalid). */
export function upstreamToml(u: UpstreamTable): string {
  const lines = ["[[upstream]]", `name = ${q(u.name)}`, `url = ${q(u.url)}`, "insecure = true"];
  if (u.ttl) lines.push(`ttl = ${q(u.ttl)}`);
  if (u.staleness) lines.push(`staleness = ${q(u.staleness)}`);
  if (u.connectTimeout) lines.push(`connect_timeout = ${q(u.connectTimeout)}`);
  if (u.timeout) lines.push(`timeout = ${q(u.timeout)}`);
  if (u.username) lines.push(`username = ${q(u.username)}`);
  if (u.passwordFile) lines.push(`password_file = ${q(u.passwordFile)}`);
  if (u.staleIfError) lines.push(`stale_if_error = [${u.staleIfError.map(q).join(", ")}]`);
  return lines.join("\n") + "\n";
}

/** Writes `tagged` as an OCI layout under `dir` and pushes every tag to `repo` at the upstream. */
export async function seed(upstream: UpstreamRegistry, dir: string, repo: string, tagged: Record<string, GeneratedImage | GeneratedIndex>, creds?: { username: string; password: string }): Promise<void> {
  const layout = join(dir, `layout-${repo.replaceAll("/", "_")}-${Object.keys(tagged).join("_")}`);
  await writeOciLayout(layout, tagged);
  for (const [tag, artifact] of Object.entries(tagged)) {
    await pushLayout(layout, tag, `${upstream.host}/${repo}:${tag}`, { all: artifact.kind === "index", destCreds: creds });
  }
}

/**
 * Points every configured upstream with URL `fromUrl` at `toUrl` (a fault stand-in) and
 * restarts regcache on the same port and storage: what it cached from the real upstream
 * stays, and from now on their upstream requests go to the stand-in.
 */
export async function repoint(regcache: RegcacheProcess, fromUrl: string, toUrl: string): Promise<void> {
  const config = readFileSync(regcache.configPath, "utf8");
  const line = `url = ${q(fromUrl)}`;
  if (!config.includes(line)) throw new Error(`${regcache.configPath} has no ${line}`);
  writeFileSync(regcache.configPath, config.replaceAll(line, `url = ${q(toUrl)}`));
  await regcache.restart();
}

/** Every manifest type regcache understands, as a client would list them. */
export const ACCEPT_MANIFESTS = MANIFEST_TYPES.join(", ");

export interface Answer {
  status: number;
  xCache: string | null;
  headers: Headers;
  body: Buffer;
  ms: number;
}

/** One GET (or HEAD) against regcache, body read in full; never throws on a status. */
export async function get(regcache: RegcacheProcess, path: string, method: "GET" | "HEAD" = "GET", timeoutMs = 60_000): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(`${regcache.url}${path}`, { method, headers: { accept: ACCEPT_MANIFESTS }, signal: AbortSignal.timeout(timeoutMs) });
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, xCache: response.headers.get("x-cache"), headers: response.headers, body, ms: performance.now() - started };
}

export interface OciError {
  code: string;
  message: string;
  detail?: { upstream?: string; failure?: string };
}

export function ociErrors(answer: Answer): OciError[] {
  return (JSON.parse(answer.body.toString()) as { errors: OciError[] }).errors;
}

/** The request log lines regcache wrote for `path` (every run of the process). */
export function requestLines(regcache: RegcacheProcess, path: string, method = "GET"): LogLine[] {
  return regcache.logs().filter((l) => l.msg === "request" && l.path === path && l.method === method);
}

/**
 * Call before a request to `path`; the function returned waits for that request's log line
 * (it can trail the response: stdout is a pipe) and returns the latest one since the call.
 */
export function nextRequestLine(regcache: RegcacheProcess, path: string, method = "GET"): () => Promise<LogLine> {
  const before = requestLines(regcache, path, method).length;
  return async () => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const lines = requestLines(regcache, path, method);
      if (lines.length > before) return lines.at(-1)!;
      if (Date.now() > deadline) throw new Error(`regcache logged no ${method} ${path} within 5 s`);
      await sleep(20);
    }
  };
}

/** Where the blob store keeps a verified blob (src/blobstore/paths.ts). */
export function storedBlobPath(regcache: RegcacheProcess, digest: string): string {
  const hex = digest.slice("sha256:".length);
  return join(regcache.storageDir, "blobs", "sha256", hex.slice(0, 2), hex);
}

export const isStored = (regcache: RegcacheProcess, digest: string) => existsSync(storedBlobPath(regcache, digest));

/** Waits for a blob to enter the store: clients may get its last byte once it is verified,
 *  a moment before the file is synced and renamed into place. */
export async function waitUntilStored(regcache: RegcacheProcess, digest: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!isStored(regcache, digest)) {
    if (Date.now() > deadline) throw new Error(`${digest} was not stored within ${timeoutMs} ms`);
    await sleep(20);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `ms` have passed since `since` (a Date.now() value). */
export async function sleepUntil(since: number, ms: number): Promise<void> {
  const left = since + ms - Date.now();
  if (left > 0) await sleep(left);
}

/** An OCI error that names the upstream and the failure class, and nothing of the upstream's body. */
export function expectUpstreamError(answer: Answer, status: number, code: string, upstream: string, failure: string): OciError {
  if (answer.status !== status) throw new Error(`expected ${status}, got ${answer.status}: ${answer.body.toString()}`);
  const errors = ociErrors(answer);
  if (errors.length !== 1) throw new Error(`expected one OCI error, got ${answer.body.toString()}`);
  const [error] = errors;
  const problems = [
    error.code !== code && `code ${error.code}, not ${code}`,
    !error.message.includes(`"${upstream}"`) && `message does not name upstream "${upstream}"`,
    !error.message.includes(failure) && `message does not name the class ${failure}`,
    (error.detail?.upstream !== upstream || error.detail?.failure !== failure) && `detail is ${JSON.stringify(error.detail)}`,
  ].filter(Boolean);
  if (problems.length) throw new Error(`${problems.join("; ")}: ${answer.body.toString()}`);
  return error;
}
