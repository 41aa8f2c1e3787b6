// The first half of an import: every blobs/ entry of the tar stream goes
// through the store's one write path (PendingBlob: hashed as it streams,
// verified against the digest its path names, fsynced, renamed). A blob already
// in the store is skipped, which is what makes a rerun after an interruption
// cheap; one that fails verification is dropped and remembered as broken.
import type { BlobStore } from "../blobstore/store.ts";
import { DigestMismatch, SizeMismatch } from "../blobstore/errors.ts";
import type { Db } from "../db/client.ts";
import { recordBlob } from "../db/queries/blobs.ts";
import { BundleInvalid, digestOfName } from "./layout.ts";
import { readSmall, TarReader } from "./tar.ts";

const MAX_INDEX_BYTES = 4 << 20;

export interface BlobsRead {
  index: Uint8Array;
  written: number;
  skipped: number;
  /** Digest → why it was refused. */
  broken: Map<string, string>;
}

export async function importBlobs(store: BlobStore, db: Db, now: () => number, source: ReadableStream<Uint8Array>, onBytes: (n: number) => void): Promise<BlobsRead> {
  const tar = new TarReader(source);
  const out: BlobsRead = { index: new Uint8Array(0), written: 0, skipped: 0, broken: new Map() };
  let index: Uint8Array | undefined;
  try {
    for (let entry = await tar.next(); entry; entry = await tar.next()) {
      const digest = entry.type === "file" ? digestOfName(entry.name) : undefined;
      if (entry.name === "index.json") index = await readSmall(entry, MAX_INDEX_BYTES);
      else if (!digest || (await store.size(digest)) !== undefined) {
        if (digest) out.skipped++;
        await TarReader.skip(entry);
      } else {
        const pending = store.pending(digest);
        try {
          // Nobody reads an import as it lands: the writer thread frees each chunk once written.
          await pending.append(entry.body, entry.size + 1, undefined, () => false);
          await pending.verify(entry.size);
          const size = await pending.commit();
          db.transaction(() => recordBlob(db, digest, size, undefined, now()));
          out.written++;
        } catch (e) {
          await pending.discard();
          if (!(e instanceof DigestMismatch || e instanceof SizeMismatch)) throw e;
          out.broken.set(digest, e.message);
        }
      }
      onBytes(entry.size);
    }
  } finally {
    tar.cancel();
  }
  if (!index) throw new BundleInvalid("no index.json (an interrupted copy? the index comes last)");
  out.index = index;
  return out;
}
