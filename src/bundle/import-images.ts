// The second half of an import: each image of index.json is recorded exactly
// as a pull would have (repository row, manifests with their refs, blob links,
// the tag confirmed at the bundle's export time, or made fresh for --fresh-for),
// but only when everything it needs is in the store. An image with a broken or
// missing blob is skipped and named; the others are imported.
import { readFile } from "node:fs/promises";
import { recordBlob } from "../db/queries/blobs.ts";
import { insertManifest } from "../db/queries/manifests.ts";
import { ensureRepository } from "../db/queries/repositories.ts";
import { findTag, upsertTag } from "../db/queries/tags.ts";
import { parseImageRef } from "../oci/image-ref.ts";
import { type ParsedManifest, parseManifest, referencesOf } from "../oci/manifest.ts";
import type { BundleContext } from "./context.ts";
import { type BundleIndex, REF_NAME, REPOSITORY } from "./layout.ts";

export interface ImportedImage {
  ref: string;
  digest: string;
  state: "imported" | "failed";
  error?: string;
}

export interface ImportOptions {
  /** Only these references (empty: all the bundle holds). */
  images: readonly string[];
  /** Tags count as confirmed so that they stay fresh this long from now. */
  freshForMs?: number;
}

interface Found {
  manifests: { digest: string; content: Uint8Array; parsed: ParsedManifest }[];
  blobs: Map<string, number>;
  missing: string[];
}

export async function importImages(ctx: BundleContext, index: BundleIndex, broken: Map<string, string>, options: ImportOptions): Promise<ImportedImage[]> {
  const results: ImportedImage[] = [];
  const wanted = new Set(options.images);
  for (const entry of index.entries) {
    const ref = entry.annotations[REF_NAME] ?? `${entry.annotations[REPOSITORY]}@${entry.digest}`;
    if (wanted.size && !wanted.has(ref)) continue;
    try {
      const repository = entry.annotations[REPOSITORY] ?? parseImageRef(ref)?.name;
      if (!repository || !repository.includes("/")) throw new Error(`no repository named for ${entry.digest}`);
      const upstream = repository.slice(0, repository.indexOf("/"));
      ctx.pullThrough.target(upstream, repository); // throws UnknownUpstream: only cached repositories
      const found = await collect(ctx, entry.digest, broken);
      if (found.missing.length) throw new Error(`broken or missing in the bundle: ${found.missing.join(", ")}`);
      const tag = entry.annotations[REF_NAME] ? parseImageRef(ref)?.tag : undefined;
      record(ctx, repository, upstream, found, entry.digest, tag, confirmedAt(ctx, upstream, index, options));
      results.push({ ref, digest: entry.digest, state: "imported" });
    } catch (e) {
      results.push({ ref, digest: entry.digest, state: "failed", error: (e as Error).message });
    }
  }
  return results;
}

function confirmedAt(ctx: BundleContext, upstream: string, index: BundleIndex, options: ImportOptions): number {
  // Fresh for D from now: age reaches ttl at now + D.
  if (options.freshForMs !== undefined) return ctx.now() + options.freshForMs - ctx.ttlOf(upstream);
  return index.exportedAt ?? ctx.now();
}

/** The manifest, its children present in the bundle (an export may leave platforms out), and every blob. */
async function collect(ctx: BundleContext, digest: string, broken: Map<string, string>, found: Found = { manifests: [], blobs: new Map(), missing: [] }, child = false): Promise<Found> {
  if (broken.has(digest)) {
    found.missing.push(`${digest} (${broken.get(digest)})`);
    return found;
  }
  let content: Uint8Array;
  try {
    const size = await ctx.store.size(digest);
    if (size !== undefined && size > ctx.maxManifestBytes) {
      found.missing.push(`${digest} (a manifest of ${size} bytes, more than server.max_manifest_size)`);
      return found;
    }
    content = await readFile(ctx.store.path(digest));
  } catch {
    if (!child) found.missing.push(`manifest ${digest}`);
    return found;
  }
  const parsed = parseManifest(content);
  found.manifests.push({ digest, content, parsed });
  for (const c of parsed.manifests) await collect(ctx, c.digest, broken, found, true);
  for (const b of parsed.blobs) {
    const size = broken.has(b.digest) ? undefined : await ctx.store.size(b.digest);
    if (size === undefined) found.missing.push(broken.has(b.digest) ? `${b.digest} (${broken.get(b.digest)})` : `blob ${b.digest}`);
    else found.blobs.set(b.digest, size);
  }
  return found;
}

function record(ctx: BundleContext, repository: string, _upstream: string, found: Found, top: string, tag: string | undefined, confirmed: number): void {
  const db = ctx.db;
  const now = ctx.now();
  db.transaction(() => {
    const repositoryId = ensureRepository(db, repository);
    for (const [digest, size] of found.blobs) recordBlob(db, digest, size, repositoryId, now);
    let topId = 0;
    for (const m of found.manifests) {
      const id = insertManifest(db, {
        repositoryId,
        digest: m.digest,
        mediaType: m.parsed.mediaType,
        content: m.content,
        artifactType: m.parsed.artifactType,
        subjectDigest: m.parsed.subject?.digest,
        annotations: m.parsed.annotations,
        refs: referencesOf(m.parsed),
      }, now);
      if (m.digest === top) topId = id;
    }
    if (tag === undefined) return;
    // The same check a pull makes before it moves a tag (throws TagImmutable, naming the policy).
    const current = findTag(db, repositoryId, tag);
    if (current && current.digest !== top) ctx.guard.checkRetag(repository, tag, current.digest, top);
    upsertTag(db, repositoryId, tag, topId, confirmed, now);
  }, { behavior: "immediate" });
}
