// Which BlobSink a blob write gets: the writer thread when the runtime started one
// and it is alive, else the event loop itself (files.ts inlineSink). The thread's
// errors are turned into the store's own: a full disk is StorageFull, as it is inline.
import { dirname } from "node:path";
import type { Algorithm } from "../oci/digest.ts";
import type { BlobSink, BlobWriterThread } from "../platform/types.ts";
import { isDiskFull, StorageFull } from "./errors.ts";
import { inlineSink } from "./files.ts";

export type OpenSink = (path: string, algorithm: Algorithm, position: number) => BlobSink;

export const inlineSinks: OpenSink = inlineSink;

export function threadedSinks(thread: BlobWriterThread): OpenSink {
  return (path, algorithm, position) => {
    // A failed thread stays failed: the blobs after it are written here.
    if (thread.failed) return inlineSink(path, algorithm, position);
    const sink = thread.open(path, algorithm, position);
    const mapped = (e: unknown): never => {
      throw isDiskFull(e) ? new StorageFull(dirname(path)) : e;
    };
    return {
      depth: sink.depth,
      write: (chunk, keep) => sink.write(chunk, keep).catch(mapped),
      digest: () => sink.digest().catch(mapped),
      close: () => sink.close().catch(() => {}),
    };
  };
}
