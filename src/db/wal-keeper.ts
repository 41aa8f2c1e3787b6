// The server's WAL checkpoints, off the event loop: a worker thread with its own
// connection (the Platform's WalCheckpointer) checkpoints every second. A checkpoint
// with nothing new to copy costs the worker a lock and a read of the WAL index; one
// with work copies pages and fsyncs while the event loop goes on serving. Long write
// runs (GC, eviction) pause the main connection's auto-checkpoint, ask for worker
// checkpoints between their transactions and wait for them (wal.ts), which keeps
// their WAL bounded.
//
// The main connection keeps SQLite's auto-checkpoint (1,000 pages) as a backstop: a
// worker checkpoint that runs while writes keep coming copies what it saw, but the WAL
// only restarts from its beginning once one has caught up with every write, so under
// a steady stream of commits it would grow without end (and SQLite's files are not
// charged to the quota: on a disk near its min_free floor that growth is what eats the
// margin). Mostly the worker has already copied the pages by then, so the inline
// checkpoint has little left to do. If the worker fails or stops answering, one
// warning, and checkpoints are inline again.
import type { Logger } from "../telemetry/log.ts";
import type { WalCheckpointer } from "../platform/types.ts";
import type { Db } from "./client.ts";
import { useCheckpointer } from "./wal.ts";

export interface WalKeeper {
  /** Ends the timer, waits for a checkpoint in flight, closes the worker (before the main connection closes). */
  stop(): Promise<void>;
}

export function keepWal(db: Db, checkpointer: WalCheckpointer, log: Logger, everyMs = 1_000): WalKeeper {
  let stopped = false;
  let inFlight: Promise<unknown> | undefined;
  useCheckpointer(db, checkpointer);
  const fallBack = (e: Error) => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    // The main connection's auto-checkpoint was never turned off (a run that paused it
    // puts it back when it ends): from here on it does all the checkpoints.
    useCheckpointer(db, undefined);
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
