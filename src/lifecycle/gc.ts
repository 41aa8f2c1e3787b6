// Garbage collection: mark-and-sweep of blobs no manifest references, online.
// The mark is the manifest_refs table itself (every stored manifest's
// references, kept by the same transactions that store and delete manifests),
// so the sweep is one indexed query per page: blobs older than the grace
// period that no reference names. Each page is deleted in one transaction that
// re-runs that query, then its files are removed in the same turn
// (remove-files.ts says why and why the order is crash-safe). Pages are small
// and the loop yields between them, so pulls and pushes go on meanwhile.
// SQLite's auto-checkpoint is off during a run, which checkpoints itself every
// CHECKPOINT_EVERY pages in a turn of its own and once at its end (db/wal.ts):
// the auto-checkpoint inside a page's commit was the longest turn of a run and
// made the p99 of the GETs served meanwhile (bench/README.md, disk lifecycle).
import { setImmediate as nextTurn } from "node:timers/promises";
import { type BlobRow, deleteBlobRow, unreferencedBlobs } from "../db/queries/lifecycle.ts";
import { withCheckpointsEvery } from "../db/wal.ts";
import type { LifecycleContext } from "./context.ts";
import { removeBlobFiles } from "./remove-files.ts";

/** Blobs per page, one event-loop turn each: 32 keeps the GETs queued behind a page at about
 *  1 ms (64 made the p99 during a GC 1.6x idle once warm GETs got faster, 32 makes it 1.3x;
 *  bench/README.md, disk lifecycle). */
const PAGE = 32;
/** Pages between two checkpoints of a run: 16 pages of 32 deletes are about 2 MiB of WAL on the bench's store. */
const CHECKPOINT_EVERY = 16;

interface SweepOptions {
  graceMs: number;
  dryRun: boolean;
  onProgress?: (p: GcProgress) => void;
  stopping?: () => boolean;
}

export interface GcProgress {
  /** Unreferenced blobs looked at so far. */
  scanned: number;
  deleted: number;
  bytes: number;
  /** Skipped because a download or client held them. */
  leased: number;
  /** How far the sweep has come, 0 to 1: it goes in digest order, and digests are uniform. */
  swept: number;
}

/** The share of the digest space up to `digest` (its first 8 hex digits). */
const positionOf = (digest: string) => parseInt(digest.slice(digest.indexOf(":") + 1, digest.indexOf(":") + 9), 16) / 0x1_0000_0000;

/** `stopping`: checked between pages, so a shutdown ends a run at a page boundary (each page is whole). */
export async function collectGarbage(ctx: LifecycleContext, options: SweepOptions): Promise<GcProgress> {
  const progress: GcProgress = { scanned: 0, deleted: 0, bytes: 0, leased: 0, swept: 0 };
  // A dry run writes nothing: no checkpoints of its own to take.
  if (options.dryRun) await sweep(ctx, options, progress, async () => {});
  else await withCheckpointsEvery(ctx.db, CHECKPOINT_EVERY, nextTurn, (committed) => sweep(ctx, options, progress, committed));
  if (!options.stopping?.()) progress.swept = 1;
  return progress;
}

/** The pages of one run; `committed()` after each page's transaction and yield. */
async function sweep(ctx: LifecycleContext, options: SweepOptions, progress: GcProgress, committed: () => Promise<void>): Promise<void> {
  const before = ctx.now() - options.graceMs;
  let after = "";
  while (!options.stopping?.()) {
    let page: BlobRow[] = [];
    const gone: BlobRow[] = [];
    ctx.db.transaction(
      () => {
        page = unreferencedBlobs(ctx.db, before, after, PAGE);
        for (const row of page) {
          // Leased, or a client was told it exists within the grace (a push about to reference it).
          if (ctx.leases.held(row.digest) || ctx.leases.askedSince(row.digest, before)) {
            progress.leased++;
            continue;
          }
          if (!options.dryRun) deleteBlobRow(ctx.db, row.digest);
          gone.push(row);
        }
      },
      { behavior: "immediate" },
    );
    if (page.length === 0) break;
    after = page[page.length - 1]!.digest;
    progress.scanned += page.length;
    progress.swept = positionOf(after);
    progress.deleted += gone.length;
    if (options.dryRun) progress.bytes += gone.reduce((n, r) => n + r.size, 0);
    else progress.bytes += removeBlobFiles(ctx.store, ctx.usage, gone);
    options.onProgress?.({ ...progress });
    await nextTurn();
    await committed();
  }
}
