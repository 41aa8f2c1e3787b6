// The main-thread side of a WAL checkpointer (types.ts): requests go to a worker
// (checkpoint-worker-*.ts) one at a time, each answered or failed within a timeout,
// so that a stuck or dead worker turns into a rejected promise the caller can fall
// back from (db/wal-keeper.ts), never a WAL that silently stops being checkpointed.
import type { CheckpointReply } from "./checkpoint-worker-core.ts";
import type { CheckpointResult, WalCheckpointer } from "./types.ts";

/** A checkpoint of a large WAL on a slow disk takes well under a second; 30 s means the worker is stuck. */
const ANSWER_WITHIN_MS = 30_000;

export function workerCheckpointer(worker: Worker, path: string, answerWithinMs = ANSWER_WITHIN_MS): WalCheckpointer {
  let nextId = 1;
  let failed: Error | undefined;
  let onClosed: (() => void) | undefined;
  const pending = new Map<number, { resolve: (r: CheckpointResult) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  const failAll = (e: Error) => {
    failed ??= e;
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      pending.delete(id);
      p.reject(e);
    }
  };
  worker.onmessage = (event: MessageEvent<CheckpointReply | { closed: true }>) => {
    const reply = event.data;
    if ("closed" in reply) return onClosed?.();
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    clearTimeout(p.timer);
    if (reply.error !== undefined) p.reject(new Error(`WAL checkpoint failed: ${reply.error}`));
    else p.resolve({ frames: reply.frames ?? 0, checkpointed: reply.checkpointed ?? 0 });
  };
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault?.();
    failAll(new Error(`WAL checkpointer thread failed: ${event.message}`));
  };
  worker.postMessage({ open: path });
  return {
    checkpoint() {
      if (failed) return Promise.reject(failed);
      const id = nextId++;
      return new Promise<CheckpointResult>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          const e = new Error(`WAL checkpointer thread did not answer within ${answerWithinMs} ms`);
          failAll(e);
          reject(e);
          worker.terminate();
        }, answerWithinMs);
        pending.set(id, { resolve, reject, timer });
        worker.postMessage({ id });
      });
    },
    async close() {
      if (failed) {
        worker.terminate();
        return;
      }
      // The worker closes its connection first, so that the main connection's own close is
      // the last one and leaves no WAL behind; then the thread ends.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2_000);
        onClosed = () => {
          clearTimeout(timer);
          resolve();
        };
        worker.postMessage({ close: true });
      });
      failAll(new Error("WAL checkpointer closed"));
      worker.terminate();
    },
  };
}
