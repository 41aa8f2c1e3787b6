// Reads SQLite's WAL index (the -shm file next to a database in WAL mode) to tell
// whether a checkpoint has copied the whole WAL into the database: the header's
// mxFrame (offset 16, the last valid frame) against the checkpoint info's nBackfill
// (offset 96, frames already copied). Native byte order, as SQLite writes it. A test
// can ask this of a running server without opening a connection that would
// checkpoint by itself.
import { existsSync, readFileSync } from "node:fs";

export interface WalIndexState {
  /** Frames in the WAL. */
  frames: number;
  /** Frames already copied into the database file. */
  backfilled: number;
}

export function walIndexState(databasePath: string): WalIndexState | undefined {
  const shm = `${databasePath}-shm`;
  if (!existsSync(shm)) return undefined;
  const bytes = readFileSync(shm);
  if (bytes.byteLength < 136) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  return { frames: view.getUint32(16, little), backfilled: view.getUint32(96, little) };
}
