// Writes a plan as a tar stream: oci-layout first, every blob (copied from the
// store a chunk at a time, never whole in memory), index.json last, so a reader
// that stops early has no index naming images it never received. The length is
// known before the first byte, so the response carries Content-Length and the
// CLI can draw a bar.
import { createReadStream } from "node:fs";
import type { BlobStore } from "../blobstore/store.ts";
import type { ExportPlan } from "./export-plan.ts";
import { blobName, indexJson, OCI_LAYOUT } from "./layout.ts";
import { END_BYTES, entryBytes, header, padding } from "./tar.ts";

export function exportLength(plan: ExportPlan, index: Uint8Array): number {
  let n = entryBytes(OCI_LAYOUT.length) + entryBytes(index.byteLength) + END_BYTES + 2 * entryBytes(0);
  for (const item of plan.items.values()) n += entryBytes(item.size);
  return n;
}

export function exportTar(store: BlobStore, plan: ExportPlan, exportedAt: number): { length: number; body: ReadableStream<Uint8Array> } {
  const index = new TextEncoder().encode(indexJson(plan.entries, exportedAt));
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const layout = new TextEncoder().encode(OCI_LAYOUT);
    yield header("oci-layout", layout.byteLength);
    yield layout;
    yield padding(layout.byteLength);
    // Folder entries, so that extracting tools create them with sane modes.
    yield header("blobs/", 0, true);
    yield header("blobs/sha256/", 0, true);
    for (const item of plan.items.values()) {
      yield header(blobName(item.digest), item.size);
      if (item.content) yield item.content;
      else {
        let sent = 0;
        for await (const chunk of createReadStream(store.path(item.digest), { highWaterMark: 1 << 20 })) {
          sent += (chunk as Buffer).byteLength;
          yield chunk as Buffer;
        }
        // The store's files are verified; a size that changed means the file was swapped under us.
        if (sent !== item.size) throw new Error(`export: ${item.digest} is ${sent} bytes in the store, expected ${item.size}`);
      }
      yield padding(item.size);
    }
    yield header("index.json", index.byteLength);
    yield index;
    yield padding(index.byteLength);
    yield new Uint8Array(END_BYTES);
  }
  const it = chunks();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const { value, done } = await it.next();
        if (done) return controller.close();
        if (value.byteLength === 0) continue; // empty padding: read on, so every pull enqueues
        return controller.enqueue(value instanceof Buffer ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : value);
      }
    },
    async cancel() {
      await it.return(undefined);
    },
  }, { highWaterMark: 0 });
  return { length: exportLength(plan, index), body };
}
