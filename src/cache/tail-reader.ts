// A client's view of a download in progress: a ReadableStream over bytes
// [start, end] of the growing temporary file. It waits for bytes that are not
// written yet, holds back the last byte until the digest is verified and errors
// if the download fails (the client must never get a complete-looking wrong
// blob), and closes only its own file handle on cancel.
import { type FileHandle, open } from "node:fs/promises";
import type { Download } from "./download.ts";

// A reader behind the writer reads the file in chunks this large (fewer reads; one
// buffer of this size per lagging client at a time).
const CHUNK = 256 * 1024;

async function openEither(d: Download): Promise<FileHandle> {
  try {
    return await open(d.tmpPath, "r");
  } catch (e) {
    // Renamed into the store before we opened it. The state can still say "running":
    // promote() fsyncs the directory after the rename. Wait for the outcome, then read
    // the final file (or report why the download failed).
    await d.finished.catch(() => {});
    if (d.state === "done") return open(d.finalPath, "r");
    throw d.error ?? e;
  }
}

export function tailStream(d: Download, start: number, end: number | undefined): ReadableStream<Uint8Array> {
  let file: FileHandle | undefined;
  let position = start;
  // Counted among the download's readers from the first read until the stream ends, fails
  // or is cancelled (download.ts keeps chunks in memory only while somebody reads).
  let counted: "not yet" | "yes" | "ended" = "not yet";
  const close = async () => {
    if (counted === "yes") d.readers--;
    counted = "ended";
    const f = file;
    file = undefined;
    await f?.close().catch(() => {});
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (counted === "not yet") {
          counted = "yes";
          d.readers++;
        }
        file ??= await openEither(d);
        for (;;) {
          // Verified: every byte is written and matched the digest (the file may still be syncing).
          const complete = d.verified || d.state === "done";
          const last = end ?? (complete ? d.written - 1 : Number.MAX_SAFE_INTEGER);
          if (position > last) {
            await close();
            controller.close();
            return;
          }
          // The blob's last byte waits for the digest check: a client that does not verify
          // digests must see a broken transfer, never a complete-looking wrong blob.
          // Without a known size the last byte is whichever arrives last: hold back one byte
          // until the stream ended and matched, so a wrong blob never looks complete.
          const releasable = complete ? d.written : d.size !== undefined ? Math.min(d.written, d.size - 1) : d.written - 1;
          if (position < releasable) {
            const recent = d.recent;
            if (recent && position >= recent.at && position < recent.at + recent.bytes.byteLength) {
              // Caught up: the bytes just written are still in memory (the same bounds apply).
              const from = position - recent.at;
              const upTo = Math.min(recent.bytes.byteLength, releasable - recent.at, last - recent.at + 1);
              position += upTo - from;
              controller.enqueue(from === 0 && upTo === recent.bytes.byteLength ? recent.bytes : recent.bytes.subarray(from, upTo));
              return;
            }
            const want = Math.min(CHUNK, releasable - position, last - position + 1);
            const buffer = new Uint8Array(want);
            const { bytesRead } = await file.read(buffer, 0, want, position);
            position += bytesRead;
            controller.enqueue(bytesRead === want ? buffer : buffer.subarray(0, bytesRead));
            return;
          }
          if (d.state === "failed") throw d.error ?? new Error("download failed");
          if (complete) throw new Error(`blob ended at ${d.written} bytes, before byte ${position}`);
          await d.progress();
        }
      } catch (e) {
        await close();
        controller.error(e);
      }
    },
    cancel: close,
  },
  // Nothing is opened or read before the first read: a body that is never read (a HEAD
  // turned GET that was dropped, a caller that only wanted the headers) holds no file.
  { highWaterMark: 0 });
}
