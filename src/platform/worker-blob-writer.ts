// The event loop's side of the blob writer thread (BlobWriterThread in types.ts): one
// sink per blob, its requests answered in order by blob-writer-worker.ts. A thread that
// dies fails every write in flight (those blobs are discarded, never stored half
// written) and marks itself failed, so that the store writes later blobs itself.
import type { WriterFailure, WriterReply, WriterRequest } from "./blob-writer-protocol.ts";
import type { BlobSink, BlobWriterThread } from "./types.ts";

/** Chunks in flight per blob: a few overlap the socket, the hash and the disk; memory stays at a few chunks per download. */
const DEPTH = 4;

interface Waiter {
  resolve: (reply: WriterReply) => void;
  reject: (e: Error) => void;
}

/** A failure reported by the thread, with its errno code (a full disk is told by it). */
function threadError(f: WriterFailure): Error {
  return Object.assign(new Error(f.message), f.code ? { code: f.code } : {});
}

/** The bytes of `chunk` in an ArrayBuffer of their own, so that moving it to the thread detaches nothing else. */
function ownBuffer(chunk: Uint8Array): { buffer: ArrayBuffer; offset: number } {
  if (chunk.buffer instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength) {
    return { buffer: chunk.buffer, offset: 0 };
  }
  // A view into a larger buffer (a pooled Buffer, the start of a body that shared its read
  // with the headers, a slice of a tar stream): transferring would take the rest from its owner.
  const copy = new Uint8Array(chunk.byteLength);
  copy.set(chunk);
  return { buffer: copy.buffer, offset: 0 };
}

export function workerBlobWriter(worker: Worker): BlobWriterThread {
  let nextId = 1;
  const waiting = new Map<number, Waiter[]>();
  const thread: BlobWriterThread = {
    failed: undefined,
    open(path, algorithm, position) {
      const id = nextId++;
      const queue: Waiter[] = [];
      waiting.set(id, queue);
      const ask = (request: WriterRequest, transfer: Transferable[] = []) =>
        new Promise<WriterReply>((resolve, reject) => {
          if (thread.failed) return reject(thread.failed);
          queue.push({ resolve, reject });
          worker.postMessage(request, transfer);
        });
      if (!thread.failed) worker.postMessage({ open: id, path, algorithm, position } satisfies WriterRequest);
      const sink: BlobSink = {
        depth: DEPTH,
        async write(chunk, keep = true) {
          const { buffer, offset } = ownBuffer(chunk);
          const reply = await ask({ write: id, buffer, offset, length: chunk.byteLength, keep }, [buffer]);
          if ("error" in reply && reply.error) throw threadError(reply.error);
          if (!("length" in reply)) throw new Error("blob writer thread: unexpected reply to a write");
          return reply.buffer ? new Uint8Array(reply.buffer, reply.offset, reply.length) : undefined;
        },
        async digest() {
          const reply = await ask({ digest: id });
          if ("error" in reply && reply.error) throw threadError(reply.error);
          if (!("digest" in reply)) throw new Error("blob writer thread: unexpected reply to a digest");
          return reply.digest;
        },
        async close() {
          try {
            await ask({ close: id });
          } finally {
            waiting.delete(id);
          }
        },
      };
      return sink;
    },
    async close() {
      worker.terminate();
      fail(new Error("blob writer thread closed"), false);
    },
  };
  const fail = (e: Error, report = true) => {
    if (thread.failed) return;
    (thread as { failed: Error | undefined }).failed = e;
    for (const queue of waiting.values()) for (const w of queue.splice(0)) w.reject(e);
    waiting.clear();
    if (report) thread.onFailure?.(e);
  };
  worker.onmessage = (event: MessageEvent<WriterReply>) => {
    const reply = event.data;
    waiting.get(reply.id)?.shift()?.resolve(reply);
  };
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault?.();
    fail(new Error(`blob writer thread failed: ${event.message}`));
  };
  return thread;
}
