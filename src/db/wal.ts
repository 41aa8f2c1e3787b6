// WAL checkpoints during long write runs (GC, eviction). SQLite's auto-checkpoint
// runs inside whichever commit crosses 1,000 WAL pages: a turn of 10-40 ms on the
// thread that also serves every GET (bench/README.md, disk lifecycle). A run that
// commits hundreds of small transactions pauses it and checkpoints itself, less
// often, between two of its transactions: each page of the database is then
// copied once per checkpoint instead of once per auto-checkpoint. Checkpoints do
// not touch durability (a committed transaction is in the WAL, synced as the
// connection's `synchronous` says); they only bound the WAL's size, which is why a
// run checkpoints every so many commits and once more at its end.
import { sql } from "drizzle-orm";
import type { Db } from "./client.ts";

/** Per connection: how many runs hold auto-checkpoint off, and the setting to put back. */
const paused = new WeakMap<Db, { depth: number; pages: number }>();

/**
 * Turns auto-checkpoint off until the returned function is called (runs nest:
 * the setting comes back when the last one ends). Call the release in a
 * `finally`, so an error does not leave the WAL growing.
 */
export function pauseAutoCheckpoint(db: Db): () => void {
  let state = paused.get(db);
  if (!state) {
    // db.all: drizzle's get() of raw SQL gives the values, not the named columns.
    const row = db.all<{ wal_autocheckpoint: number }>(sql`PRAGMA wal_autocheckpoint`)[0];
    state = { depth: 0, pages: row?.wal_autocheckpoint ?? 1000 };
    paused.set(db, state);
    db.run(sql`PRAGMA wal_autocheckpoint = 0`);
  }
  state.depth++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const s = paused.get(db)!;
    if (--s.depth > 0) return;
    paused.delete(db);
    db.run(sql.raw(`PRAGMA wal_autocheckpoint = ${Math.trunc(s.pages)}`));
  };
}

/**
 * A PASSIVE checkpoint: copies what it can of the WAL into the database without
 * waiting for anyone, and restarts the WAL from its beginning when all of it was
 * copied. Returns the WAL's frames and how many were checkpointed.
 */
export function checkpoint(db: Db): { frames: number; checkpointed: number } {
  const row = db.all<{ busy: number; log: number; checkpointed: number }>(sql`PRAGMA wal_checkpoint(PASSIVE)`)[0];
  return { frames: row?.log ?? 0, checkpointed: row?.checkpointed ?? 0 };
}

/**
 * Runs `work` with auto-checkpoint off; `work` calls `committed()` after each of
 * its transactions, at the start of a turn (it has just yielded), and every
 * `every` commits a checkpoint runs there, with a yield after it: a turn of its
 * own. At the end, also on error, the setting comes back and a last checkpoint
 * runs, so the WAL never keeps what a run wrote.
 */
export async function withCheckpointsEvery<T>(db: Db, every: number, nextTurn: () => Promise<unknown>, work: (committed: () => Promise<void>) => Promise<T>): Promise<T> {
  const release = pauseAutoCheckpoint(db);
  let commits = 0;
  try {
    return await work(async () => {
      if (++commits % every !== 0) return;
      checkpoint(db);
      await nextTurn();
    });
  } finally {
    release();
    checkpoint(db);
  }
}
