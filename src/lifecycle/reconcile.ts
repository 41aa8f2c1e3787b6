// Start-up reconciliation, before the server takes requests: the rows of the
// blobs table and the files under blobs/ must name the same digests. A file
// without a row (a crash between a GC's commit and its unlink, or between a
// download's rename and its record) is removed; a row without a file (a file
// someone deleted) is dropped, so the blob is fetched again (cached) or
// reported missing (local) instead of served as a broken file. Each is logged.
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { allBlobRows, deleteBlobRow } from "../db/queries/lifecycle.ts";
import { isDigest } from "../oci/digest.ts";
import type { LifecycleContext } from "./context.ts";

export interface ReconcileResult {
  filesRemoved: string[];
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

export async function reconcile(ctx: Pick<LifecycleContext, "db" | "store" | "log" | "metrics">): Promise<ReconcileResult> {
  const files = await blobFiles(ctx.store.paths.blobs);
  const onDisk = new Set<string>();
  const filesRemoved: string[] = [];
  const rows = new Set(allBlobRows(ctx.db).map((r) => r.digest));
  for (const f of files) {
    // A name that is no digest, or a file in the wrong folder, was not written by regcache.
    if (isDigest(f.name) && ctx.store.path(f.name) === f.path && rows.has(f.name)) {
      onDisk.add(f.name);
      continue;
    }
    await rm(f.path, { force: true });
    filesRemoved.push(f.name);
  }
  const rowsRemoved = [...rows].filter((d) => !onDisk.has(d));
  if (rowsRemoved.length > 0) ctx.db.transaction(() => rowsRemoved.forEach((d) => deleteBlobRow(ctx.db, d)));
  if (filesRemoved.length > 0) {
    ctx.metrics.reconcileFixes.inc({ kind: "file_without_row" }, filesRemoved.length);
    ctx.log.warn("reconcile: removed blob files without a row", { count: filesRemoved.length, digests: filesRemoved.slice(0, 50) });
  }
  if (rowsRemoved.length > 0) {
    ctx.metrics.reconcileFixes.inc({ kind: "row_without_file" }, rowsRemoved.length);
    ctx.log.warn("reconcile: removed blob rows without a file", { count: rowsRemoved.length, digests: rowsRemoved.slice(0, 50) });
  }
  return { filesRemoved, rowsRemoved };
}
