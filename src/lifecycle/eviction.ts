// Eviction: whole cached images, least recently pulled first. An image is a
// manifest that is no index's child in its repository, with its index children;
// evicting it deletes those manifests (their tags go with them, by cascade),
// the prefetch jobs for anything they held (so workers do not fetch it back),
// and the blobs no other manifest references and no other repository links.
// Pinned images (pins.ts), local repositories and leased digests are skipped.
// A batch waits for a WAL checkpoint every CHECKPOINT_EVERY images (db/wal.ts):
// its commits come faster than a checkpoint can catch up with, so without the
// waits the WAL would only restart once the batch is over.
import { setImmediate as nextTurn } from "node:timers/promises";
import {
  blobSize,
  type BlobRow,
  deleteBlobRow,
  deleteJobsOf,
  deleteManifestRows,
  type ImageRoot,
  imageRootsPage,
  indexChildren,
  linkedElsewhere,
  manifestIdByDigest,
  referencedOutside,
  refsOf,
  unlinkFromRepository,
} from "../db/queries/lifecycle.ts";
import { withCheckpointsEvery } from "../db/wal.ts";
import type { LifecycleContext } from "./context.ts";
import type { Pins } from "./pins.ts";
import { removeBlobFiles } from "./remove-files.ts";

export type EvictReason = "quota" | "min_free" | "unused_after";

/** Images read per page of the LRU order. */
const PAGE = 200;
/** Images evicted between two checkpoints: 64 images' rows are a few hundred KiB of WAL. */
const CHECKPOINT_EVERY = 64;

export interface EvictionResult {
  /** "repository@digest" of each evicted image. */
  images: string[];
  bytes: number;
}

interface Member {
  id: number;
  digest: string;
}

/** The image's manifests (root first) and blob digests, or undefined when something in it may not go. */
function planImage(ctx: LifecycleContext, root: ImageRoot, pins: Pins, firmOnly: boolean): { members: Member[]; blobs: string[] } | undefined {
  const held = (digest: string) => ctx.leases.held(digest, Date.now(), firmOnly);
  const members: Member[] = [{ id: root.id, digest: root.digest }];
  const blobs = new Set<string>();
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    if (pins.reason(m.id) !== undefined || held(m.digest)) return undefined;
    for (const ref of refsOf(ctx.db, m.id)) {
      if (ref.kind === "blob") blobs.add(ref.digest);
      else if (!members.some((x) => x.digest === ref.digest)) {
        const id = manifestIdByDigest(ctx.db, root.repositoryId, ref.digest);
        // A child another index of the repository also names stays with that index.
        if (id !== undefined && !referencedOutside(ctx.db, "manifest", ref.digest, members.map((x) => x.id).concat(id), root.repositoryId)) members.push({ id, digest: ref.digest });
      }
    }
  }
  for (const b of blobs) if (held(b)) return undefined;
  return { members, blobs: [...blobs] };
}

/** Evicts one image now (one transaction, then its files); returns the bytes freed, or undefined if it was skipped. */
export function evictImage(ctx: LifecycleContext, root: ImageRoot, pins: Pins, firmOnly = false): number | undefined {
  const plan = planImage(ctx, root, pins, firmOnly);
  if (!plan) return undefined;
  const { db } = ctx;
  const gone: BlobRow[] = [];
  db.transaction(
    () => {
      deleteManifestRows(db, plan.members.map((m) => m.id));
      deleteJobsOf(db, root.repository, [...plan.members.map((m) => m.digest), ...plan.blobs]);
      for (const digest of plan.blobs) {
        const size = blobSize(db, digest);
        if (size === undefined) continue; // never stored (an incomplete image)
        unlinkFromRepository(db, root.repositoryId, digest);
        if (referencedOutside(db, "blob", digest, [0]) || linkedElsewhere(db, digest, root.repositoryId)) continue;
        deleteBlobRow(db, digest);
        gone.push({ digest, size });
      }
    },
    { behavior: "immediate" },
  );
  return removeBlobFiles(ctx.store, ctx.usage, gone);
}

/**
 * Evicts images in LRU order until `enough()` (checked before each), those
 * `eligible` only. One log line for the batch names the images.
 */
export function evictUntil(ctx: LifecycleContext, reason: EvictReason, enough: () => boolean, eligible: (root: ImageRoot) => boolean = () => true): Promise<EvictionResult> {
  return withCheckpointsEvery(ctx.db, CHECKPOINT_EVERY, nextTurn, (committed) => evictBatch(ctx, reason, enough, eligible, committed));
}

async function evictBatch(ctx: LifecycleContext, reason: EvictReason, enough: () => boolean, eligible: (root: ImageRoot) => boolean, committed: () => Promise<void>): Promise<EvictionResult> {
  // Each read of the metadata in its own event-loop turn (bench/disk.ts: the longest stall
  // stays short with 10,000 images).
  ctx.flushPulls();
  await nextTurn();
  const pins = ctx.pins();
  await nextTurn();
  const result: EvictionResult = { images: [], bytes: 0 };
  const done = new Set<number>();
  // First what nobody used in the last seconds; only if that is not enough, recently served
  // images too (leases.ts, firmOnly). Downloads and uploads in progress are never taken.
  for (const firmOnly of [false, true]) {
    const children = indexChildren(ctx.db);
    let after: { lastUsed: number; id: number } | undefined;
    // Pages of the LRU order, each read in its own turn (bench/disk.ts: a whole list of
    // 10,000 images read at once was the longest stall).
    for (;;) {
      if (enough()) break;
      const { roots, next } = imageRootsPage(ctx.db, after, PAGE, children);
      if (!next) break;
      after = next;
      let sinceYield = 0;
      for (const root of roots) {
        if (enough()) break;
        if (done.has(root.id) || !pins.isCached(root.repository) || !eligible(root)) continue;
        const freed = evictImage(ctx, root, pins, firmOnly);
        if (freed === undefined) continue;
        done.add(root.id);
        result.images.push(`${root.repository}@${root.digest}`);
        result.bytes += freed;
        await committed();
        // Each image is a short transaction; yield now and then so requests keep being served.
        if (++sinceYield >= 4) {
          sinceYield = 0;
          await nextTurn();
        }
      }
      await nextTurn();
    }
    if (enough() || reason === "unused_after") break;
  }
  if (result.images.length > 0) {
    ctx.metrics.evictions.inc({ reason }, result.images.length);
    ctx.metrics.evictedBytes.inc({ reason }, result.bytes);
    ctx.log.info("evicted cached images", { reason, count: result.images.length, bytes: result.bytes, images: result.images });
    ctx.storeChanged();
  }
  return result;
}
