// The server's WAL checkpoints, off the event loop: auto-checkpoint is turned off on
// the main connection and a worker thread with its own connection (the Platform's
// WalCheckpointer) checkpoints every second. A checkpoint with nothing new to copy
// costs the worker a lock and a read of the WAL index; one with work copies pages and
// fsyncs while the event loop goes on serving. Long write runs (GC, eviction) also
// ask for checkpoints between their transactions and wait for them (wal.ts), which
// keeps their WAL bounded. If the worker fails or stops answering, auto-checkpoint
// comes back on the main connection (one warning), so the WAL is never left growing.
import type { Logger } from "../telemetry/log.ts";
import type { WalCheckpointer } from "../platform/types.ts";
import type { Db } from "./client.ts";
import { setAutoCheckpoint, useCheckpointer } from "./wal.ts";

/** SQLite's own default, put back when the worker is gone. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

export interface WalKeeper {
  /** Ends the timer, waits for a checkpoint in flight, closes the worker (before the main connection closes). */
  stop(): Promise<void>;
}

export function keepWal(db: Db, checkpointer: WalCheckpointer, log: Logger, everyMs = 1_000): WalKeeper {
  let stopped = false;
  let inFlight: Promise<unknown> | undefined;
  setAutoCheckpoint(db, 0);
  useCheckpointer(db, checkpointer);
  const fallBack = (e: Error) => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    useCheckpointer(db, undefined);
    setAutoCheckpoint(db, DEFAULT_AUTOCHECKPOINT_PAGES);
    log.warn("WAL checkpoints moved back onto the main thread (auto-checkpoint)", { error: e.message });
    void checkpointer.close();
  };
  const timer = setInterval(() => {
    if (stopped || inFlight) return;
    inFlight = checkpointer
      .checkpoint()
      .catch(fallBack)
      .finally(() => (inFlight = undefined));
  }, everyMs);
  (timer as { unref?: () => void }).unref?.();
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await inFlight;
      useCheckpointer(db, undefined);
      await checkpointer.close();
    },
  };
}
