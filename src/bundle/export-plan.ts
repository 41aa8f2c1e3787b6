// What an export writes: for each reference, its manifest, the wanted
// children of an index, every config and layer, and (with referrers) the
// stored manifests that refer to them. Without `offline` anything missing is
// completed from the upstream through the cache first; with it, a missing part
// fails the export naming it.
import { findLinkedBlob } from "../db/queries/blobs.ts";
import { findManifest, findReferrers } from "../db/queries/manifests.ts";
import { findRepositoryId } from "../db/queries/repositories.ts";
import { findTag } from "../db/queries/tags.ts";
import { parseImageRef, referenceOf } from "../oci/image-ref.ts";
import { parseManifest, platformOf } from "../oci/manifest.ts";
import { InvalidImageRef } from "../prefetch/errors.ts";
import { matchesPlatform } from "../prefetch/platforms.ts";
import type { Target } from "../cache/service.ts";
import { RegistryError } from "../repository/errors.ts";
import { UpstreamError } from "../upstream/index.ts";
import { type BundleContext, ImageIncomplete, ImageUnavailable } from "./context.ts";
import { type IndexEntry, REF_NAME, REFERRER_OF, REPOSITORY } from "./layout.ts";

export interface ExportOptions {
  platforms: readonly string[];
  referrers: boolean;
  offline: boolean;
}

/** A blob file to copy from the store, or a manifest's bytes (kept in SQLite). */
export type Item = { digest: string; size: number; content?: Uint8Array };

export interface ExportPlan {
  entries: IndexEntry[];
  items: Map<string, Item>;
}

interface Walk {
  ctx: BundleContext;
  target: Target;
  repositoryId: () => number | undefined;
  ref: string;
  options: ExportOptions;
  items: Map<string, Item>;
  missing: string[];
}

export async function planExport(ctx: BundleContext, refs: string[], options: ExportOptions): Promise<ExportPlan> {
  const items = new Map<string, Item>();
  const entries: IndexEntry[] = [];
  for (const text of refs) {
    const ref = parseImageRef(text);
    const slash = ref?.name.indexOf("/") ?? -1;
    if (!ref || slash < 0) throw new InvalidImageRef(text, `expected "<upstream>/<repository>:<tag>" or "@<digest>"`);
    const target = ctx.pullThrough.target(ref.name.slice(0, slash), ref.name); // throws UnknownUpstream
    const reference = referenceOf(ref) ?? "latest";
    const w: Walk = { ctx, target, repositoryId: () => findRepositoryId(ctx.db, ref.name), ref: text, options, items, missing: [] };
    let digest: string | undefined;
    if (!options.offline) {
      try {
        digest = (await ctx.pullThrough.manifests.get(target, reference)).digest;
      } catch (e) {
        // The upstream down with nothing cached, an unknown tag, a name the upstream's allow list refuses.
        if (e instanceof UpstreamError || e instanceof RegistryError) throw new ImageUnavailable(text, e.message);
        throw e;
      }
    } else {
      const id = w.repositoryId();
      digest = reference.includes(":") ? reference : id === undefined ? undefined : findTag(ctx.db, id, reference)?.digest;
      if (!digest) throw new ImageIncomplete(text, [`the tag ${reference} (not cached)`]);
    }
    const top = await manifest(w, digest).catch((e) => {
      if (e instanceof UpstreamError || e instanceof RegistryError) throw new ImageUnavailable(text, e.message);
      throw e;
    });
    if (!top) throw new ImageIncomplete(text, w.missing);
    const name = ref.tag !== undefined || ref.digest === undefined ? `${ref.name}:${ref.tag ?? "latest"}` : text;
    entries.push({ mediaType: top.mediaType, digest, size: top.content.byteLength, annotations: { [REF_NAME]: name, [REPOSITORY]: ref.name } });
    if (options.referrers) {
      const subjects = [digest, ...childrenOf(w, top.content)];
      if (!options.offline) for (const subject of subjects) await fetchReferrers(w, subject);
      entries.push(...referrerEntries(w, subjects));
    }
    if (w.missing.length) throw new ImageIncomplete(text, w.missing);
  }
  return { entries, items };
}

/** A manifest and everything below it, into `w.items`; undefined (and `missing` noted) when it is not there. */
async function manifest(w: Walk, digest: string) {
  let id = w.repositoryId();
  let row = id === undefined ? undefined : findManifest(w.ctx.db, id, digest);
  if (!row && !w.options.offline) {
    await w.ctx.pullThrough.manifests.get(w.target, digest);
    id = w.repositoryId();
    row = id === undefined ? undefined : findManifest(w.ctx.db, id, digest);
  }
  if (!row) {
    w.missing.push(`manifest ${digest}`);
    return undefined;
  }
  w.items.set(digest, { digest, size: row.content.byteLength, content: row.content });
  const parsed = parseManifest(row.content, row.mediaType);
  for (const child of parsed.manifests) if (matchesPlatform(platformOf(child), w.options.platforms)) await manifest(w, child.digest);
  for (const b of parsed.blobs) await blob(w, id!, b.digest);
  return row;
}

async function blob(w: Walk, repositoryId: number, digest: string): Promise<void> {
  if (w.items.has(digest)) return;
  let size = findLinkedBlob(w.ctx.db, repositoryId, digest) ? await w.ctx.store.size(digest) : undefined;
  if (size === undefined && !w.options.offline) size = (await w.ctx.pullThrough.blobs.fetch(w.target, digest)).size;
  if (size === undefined) w.missing.push(`blob ${digest}`);
  else w.items.set(digest, { digest, size });
}

function childrenOf(w: Walk, content: Uint8Array): string[] {
  return parseManifest(content).manifests.filter((c) => matchesPlatform(platformOf(c), w.options.platforms)).map((c) => c.digest);
}

/** cosign's tags for registries without a referrers API (as the prefetcher looks for them). */
const COSIGN_SUFFIXES = ["sig", "att", "sbom"];

/**
 * Asks the upstream for the subject's referrers (its referrers API, then
 * cosign's sha256-<hex>.sig/.att/.sbom tags) and stores each through the cache,
 * which records its subject; referrerEntries then finds them like stored ones.
 */
async function fetchReferrers(w: Walk, subject: string): Promise<void> {
  const found = new Set<string>();
  const api = await w.ctx.pullThrough.upstream.referrers(w.target, subject);
  if (api) for (const d of parseManifest(api).manifests) found.add(d.digest);
  for (const suffix of COSIGN_SUFFIXES) {
    const d = await w.ctx.pullThrough.upstream.tagDigest(w.target, `${subject.replace(":", "-")}.${suffix}`);
    if (d) found.add(d);
  }
  for (const d of found) {
    const { parsed } = await w.ctx.pullThrough.manifests.get(w.target, d).then((o) => ({ parsed: o.parsed() }));
    for (const b of parsed.blobs) await w.ctx.pullThrough.blobs.fetch(w.target, b.digest);
  }
}

/** Stored referrers (signatures, SBOMs) of the image's manifests, with their blobs. */
function referrerEntries(w: Walk, subjects: string[]): IndexEntry[] {
  const id = w.repositoryId();
  if (id === undefined) return [];
  const out: IndexEntry[] = [];
  for (const subject of subjects) {
    for (const r of findReferrers(w.ctx.db, id, subject)) {
      const row = findManifest(w.ctx.db, id, r.digest)!;
      w.items.set(r.digest, { digest: r.digest, size: row.content.byteLength, content: row.content });
      for (const b of parseManifest(row.content, row.mediaType).blobs) {
        // Only what is stored (with --offline a referrer's blobs may be missing: it is an extra, not the image).
        if (findLinkedBlob(w.ctx.db, id, b.digest)) w.items.set(b.digest, { digest: b.digest, size: b.size });
      }
      out.push({ mediaType: r.mediaType, digest: r.digest, size: r.size, annotations: { [REPOSITORY]: w.target.localName, [REFERRER_OF]: subject } });
    }
  }
  return out;
}
