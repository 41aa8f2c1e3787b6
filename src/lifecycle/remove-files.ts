// Removing blob files whose rows a transaction has just deleted. Crash safety
// (kill -9 at any instant) comes from the order: the row goes first, in a
// committed transaction, and the file right after; a crash between the two
// leaves a file without a row, which start-up reconciliation removes. Never a
// row without its file, so a pull never finds a blob the store cannot serve.
//
// Synchronous on purpose: between the commit and the unlink no other request
// may run. A download of the same digest that started in that gap would rename
// its new file into place and lose it to this unlink (its row recorded, its file
// gone). Leases keep running downloads out of the transaction; running both in
// one event-loop turn keeps out the ones that would start in between. Callers
// work in batches, so one turn stays short.
import { unlinkSync } from "node:fs";
import type { BlobStore } from "../blobstore/store.ts";
import type { BlobRow } from "../db/queries/lifecycle.ts";
import type { StoreUsage } from "./usage.ts";

export function removeBlobFiles(store: BlobStore, usage: StoreUsage, rows: readonly BlobRow[]): number {
  let freed = 0;
  for (const row of rows) {
    try {
      unlinkSync(store.path(row.digest));
      usage.sub(row.size);
      freed += row.size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
  return freed;
}
