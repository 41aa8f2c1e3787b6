// `regcache prefetch <ref>…` on the server side: a pull run per request,
// polled by the CLI for progress. Each image is resolved and its blobs queued
// with priority; progress is read from the store and the downloads in flight
// when asked. A failed attempt of any of its jobs fails the image at once
// (with the failure class): the person at the terminal wants an answer, while
// the job itself stays queued and keeps retrying in the background.
import { randomUUID } from "node:crypto";
import { manifestIdIn } from "../db/queries/completeness.ts";
import { parseImageRef, referenceOf } from "../oci/image-ref.ts";
import { targetOf, type PrefetchContext } from "./context.ts";
import { InvalidImageRef, PrefetchNotFound } from "./errors.ts";
import { pullImage, type ImageSpec } from "./image-pull.ts";
import { imageStatus } from "./status.ts";
import type { WorkerPool } from "./workers.ts";

export interface BlobProgress {
  digest: string;
  size: number;
  fetched: number;
  done: boolean;
  /** It was in the store before this pull started. */
  cached: boolean;
}

export interface ImageProgress {
  ref: string;
  state: "resolving" | "fetching" | "complete" | "failed";
  error?: string;
  failure?: string;
  digest?: string;
  /** The upstream failed while resolving; the cached copy is being completed. */
  stale_because?: string;
  blobs: BlobProgress[];
  missing_manifests: number;
  total_bytes: number;
  fetched_bytes: number;
  /** Bytes that were in the store already when the pull started. */
  cached_bytes: number;
}

export interface PullProgress {
  id: string;
  created: string;
  done: boolean;
  images: ImageProgress[];
}

interface Track {
  ref: string;
  spec: ImageSpec;
  state: ImageProgress["state"];
  error?: string;
  failure?: string;
  digest?: string;
  staleBecause?: string;
  cached: Set<string>;
  platforms: readonly string[];
  /** Digests whose failure fails this image: its blobs and missing children. */
  watched: Set<string>;
}

const KEEP_FINISHED_MS = 15 * 60_000;
const MAX_RUNS = 100;

export function specOf(ctx: PrefetchContext, text: string, platforms: readonly string[]): ImageSpec {
  const ref = parseImageRef(text);
  if (!ref) throw new InvalidImageRef(text, `expected a reference like "docker.io/library/nginx:1.27"`);
  const slash = ref.name.indexOf("/");
  const upstream = slash < 0 ? ref.name : ref.name.slice(0, slash);
  targetOf(ctx, upstream, ref.name); // throws UnknownUpstream
  if (slash < 0) throw new InvalidImageRef(text, `expected "<upstream>/<repository>:<tag>"`);
  return { upstream, repository: ref.name, reference: referenceOf(ref) ?? "latest", platforms };
}

export class PullRuns {
  private readonly runs = new Map<string, { created: number; tracks: Track[]; finishedAt?: number }>();

  constructor(private readonly ctx: PrefetchContext, pool: WorkerPool) {
    pool.onSettled((job, outcome) => {
      if (outcome.ok) return;
      for (const run of this.runs.values())
        for (const t of run.tracks) {
          if (t.state !== "fetching" || !t.watched.has(job.digest)) continue;
          t.state = "failed";
          t.failure = outcome.failure;
          t.error = `${job.kind} ${job.digest}: ${outcome.message}`;
        }
    });
  }

  /** Validates every reference first, so a typo starts nothing. */
  start(refs: string[], platforms: readonly string[] = []): PullProgress {
    const specs = refs.map((r) => specOf(this.ctx, r, platforms));
    this.prune();
    const id = randomUUID();
    const tracks: Track[] = specs.map((spec, i) => ({ ref: refs[i]!, spec, state: "resolving", cached: new Set(), platforms, watched: new Set() }));
    this.runs.set(id, { created: this.ctx.now(), tracks });
    for (const t of tracks) void this.resolve(t);
    return this.get(id);
  }

  get(id: string): PullProgress {
    const run = this.runs.get(id);
    if (!run) throw new PrefetchNotFound(`no prefetch pull ${JSON.stringify(id)} (finished pulls are kept ${KEEP_FINISHED_MS / 60_000} minutes)`);
    const images = run.tracks.map((t) => this.progress(t));
    const done = images.every((i) => i.state === "complete" || i.state === "failed");
    if (done) run.finishedAt ??= this.ctx.now();
    return { id, created: new Date(run.created).toISOString(), done, images };
  }

  private async resolve(t: Track): Promise<void> {
    try {
      const pulled = await pullImage(this.ctx, t.spec, true);
      t.digest = pulled.digest;
      t.platforms = pulled.platforms;
      t.staleBecause = pulled.staleBecause;
      t.cached = pulled.cached;
      for (const b of pulled.status.blobs) t.watched.add(b.digest);
      for (const m of pulled.status.missingManifests) t.watched.add(m);
      if (t.state === "resolving") t.state = "fetching";
    } catch (e) {
      t.state = "failed";
      t.failure = (e as { failure?: string }).failure ?? "internal";
      t.error = (e as Error).message;
    }
  }

  private progress(t: Track): ImageProgress {
    const base = { ref: t.ref, state: t.state, ...(t.error ? { error: t.error, failure: t.failure } : {}), ...(t.digest ? { digest: t.digest } : {}), ...(t.staleBecause ? { stale_because: t.staleBecause } : {}) };
    const id = t.digest ? manifestIdIn(this.ctx.db, t.spec.repository, t.digest) : undefined;
    if (id === undefined) return { ...base, blobs: [], missing_manifests: 0, total_bytes: 0, fetched_bytes: 0, cached_bytes: 0 };
    const status = imageStatus(this.ctx.db, t.spec.repository, id, t.platforms);
    if (t.state === "fetching" && status.complete) {
      t.state = "complete";
      this.ctx.log.info("prefetch pull complete", { ref: t.ref, digest: t.digest, bytes: status.totalBytes });
    }
    const progress = (digest: string) => this.ctx.pullThrough.blobs.progress(t.spec.upstream, digest) ?? 0;
    const blobs = status.blobs.map((b) => ({ digest: b.digest, size: b.size, done: b.present, cached: t.cached.has(b.digest), fetched: b.present ? b.size : Math.min(b.size, progress(b.digest)) }));
    for (const m of status.missingManifests) t.watched.add(m);
    for (const b of blobs) t.watched.add(b.digest);
    return { ...base, state: t.state, blobs, missing_manifests: status.missingManifests.length, total_bytes: status.totalBytes, fetched_bytes: blobs.reduce((n, b) => n + b.fetched, 0), cached_bytes: blobs.filter((b) => b.cached).reduce((n, b) => n + b.size, 0) };
  }

  private prune(): void {
    const now = this.ctx.now();
    for (const [id, run] of this.runs) if (run.finishedAt !== undefined && now - run.finishedAt > KEEP_FINISHED_MS) this.runs.delete(id);
    while (this.runs.size >= MAX_RUNS) this.runs.delete(this.runs.keys().next().value!);
  }
}
