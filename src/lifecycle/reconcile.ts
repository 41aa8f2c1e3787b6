// Start-up reconciliation, before the server takes requests: the rows of the
// blobs table and the files under blobs/ must name the same digests.
//
// A file without a row comes from a crash between a download's rename and its
// record, or between a GC's (or eviction's, or scrub's) commit and its unlink.
// The first kind is a verified blob a manifest still references: on a site that
// lost power mid-pull it may be the only copy within reach, so it is re-hashed
// and, when its bytes match its name, adopted (row and repository links back).
// The second kind is referenced by nothing (GC and eviction only drop blobs no
// manifest references; a scrub's corrupt file fails the re-hash): it is removed.
// A row without a file (a file someone deleted) is dropped, so the blob is
// fetched again (cached) or reported missing (local) instead of served as a
// broken file. Each kind is logged and counted.
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { hashFile } from "../blobstore/files.ts";
import { recordBlob } from "../db/queries/blobs.ts";
import { allBlobRows, blobReferenced, deleteBlobRow } from "../db/queries/lifecycle.ts";
import { isDigest, parseDigest } from "../oci/digest.ts";
import type { LifecycleContext } from "./context.ts";

export interface ReconcileResult {
  filesRemoved: string[];
  filesAdopted: string[];
  rowsRemoved: string[];
}

/** Every file under blobs/<algorithm>/<xx>/, as a digest when its name is one. */
async function blobFiles(root: string): Promise<{ name: string; path: string }[]> {
  const out: { name: string; path: string }[] = [];
  for (const algorithm of await readdir(root).catch(() => [] as string[])) {
    for (const prefix of await readdir(join(root, algorithm)).catch(() => [] as string[])) {
      for (const hex of await readdir(join(root, algorithm, prefix)).catch(() => [] as string[])) out.push({ name: `${algorithm}:${hex}`, path: join(root, algorithm, prefix, hex) });
    }
  }
  return out;
}

/** Re-hashes a file a manifest references; its size when the bytes match its digest name. */
async function verifiedSize(path: string, digest: string): Promise<number | undefined> {
  try {
    const hashed = await hashFile(path, parseDigest(digest)!.algorithm);
    return hashed.digest === digest ? hashed.bytes : undefined;
  } catch {
    return undefined;
  }
}

export async function reconcile(ctx: Pick<LifecycleContext, "db" | "store" | "log" | "metrics" | "now">): Promise<ReconcileResult> {
  const files = await blobFiles(ctx.store.paths.blobs);
  const onDisk = new Set<string>();
  const filesRemoved: string[] = [];
  const filesAdopted: string[] = [];
  const rows = new Set(allBlobRows(ctx.db).map((r) => r.digest));
  for (const f of files) {
    // A name that is no digest, or a file in the wrong folder, was not written by regcache.
    const named = isDigest(f.name) && ctx.store.path(f.name) === f.path;
    if (named && rows.has(f.name)) {
      onDisk.add(f.name);
      continue;
    }
    const size = named && blobReferenced(ctx.db, f.name) ? await verifiedSize(f.path, f.name) : undefined;
    if (size !== undefined) {
      const now = ctx.now();
      // recordBlob links it again to the repositories whose manifests reference it.
      ctx.db.transaction(() => recordBlob(ctx.db, f.name, size, undefined, now));
      filesAdopted.push(f.name);
      continue;
    }
    await rm(f.path, { force: true });
    filesRemoved.push(f.name);
  }
  const rowsRemoved = [...rows].filter((d) => !onDisk.has(d));
  if (rowsRemoved.length > 0) ctx.db.transaction(() => rowsRemoved.forEach((d) => deleteBlobRow(ctx.db, d)));
  if (filesAdopted.length > 0) {
    ctx.metrics.reconcileFixes.inc({ kind: "file_adopted" }, filesAdopted.length);
    ctx.log.warn("reconcile: adopted verified blob files without a row (a crash between store and record)", { count: filesAdopted.length, digests: filesAdopted.slice(0, 50) });
  }
  if (filesRemoved.length > 0) {
    ctx.metrics.reconcileFixes.inc({ kind: "file_without_row" }, filesRemoved.length);
    ctx.log.warn("reconcile: removed blob files without a row", { count: filesRemoved.length, digests: filesRemoved.slice(0, 50) });
  }
  if (rowsRemoved.length > 0) {
    ctx.metrics.reconcileFixes.inc({ kind: "row_without_file" }, rowsRemoved.length);
    ctx.log.warn("reconcile: removed blob rows without a file", { count: rowsRemoved.length, digests: rowsRemoved.slice(0, 50) });
  }
  return { filesRemoved, filesAdopted, rowsRemoved };
}
