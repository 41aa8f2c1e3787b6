// How many bytes the store holds, at all times: everything under storage.path
// except the SQLite files (blobs, uploads and downloads in progress included),
// and the free space of its file system. Measured once by a walk at start-up
// (and again after each garbage collection, which corrects any drift), then
// kept by the charges and credits of the write path (lifecycle/quota.ts) and of
// eviction and GC. Free space is asked of the file system at most once a second
// and estimated in between from what was charged since.
import { lstat, readdir, statfs } from "node:fs/promises";
import { basename, join } from "node:path";

const FS_REFRESH_MS = 1_000;

async function bytesUnder(dir: string, skip: (name: string) => boolean): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0; // removed while we walked (a tmp file renamed into the store)
  }
  for (const e of entries) {
    if (skip(e.name)) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) total += await bytesUnder(path, () => false);
    else total += await lstat(path).then((s) => s.size, () => 0);
  }
  return total;
}

export class StoreUsage {
  /** Bytes under storage.path, SQLite files excepted. */
  used = 0;
  /** Size of the file system. */
  fsBytes = 0;
  private fsFree = 0;
  private usedAtFs = 0;
  private fsAt = 0;

  constructor(private readonly root: string, private readonly databaseFile: string, private readonly clock: () => number = Date.now) {}

  /** Walks the store (start-up, after GC). Charges in flight during the walk may be counted twice or not at all; the next walk corrects it. */
  async measure(): Promise<void> {
    const db = basename(this.databaseFile);
    this.used = await bytesUnder(this.root, (name) => name === db || name === `${db}-wal` || name === `${db}-shm` || name === `${db}-journal`);
    await this.refreshFs();
  }

  /**
   * What SQLite may take of the free space at once, without a charge: its WAL's size. A
   * checkpoint (every second, on the worker thread) copies the WAL's pages into the
   * database file, which grows by as many new pages, and the WAL file keeps its size for
   * reuse. Near the min_free floor the quota keeps this much more free (quota.ts).
   */
  sqliteHeadroom = 0;

  async refreshFs(): Promise<void> {
    const [fs, wal] = await Promise.all([statfs(this.root), lstat(`${this.databaseFile}-wal`).then((s) => s.size, () => 0)]);
    this.fsBytes = fs.blocks * fs.bsize;
    this.fsFree = fs.bavail * fs.bsize;
    this.sqliteHeadroom = wal;
    this.usedAtFs = this.used;
    this.fsAt = this.clock();
  }

  /** Whether the free-space figure is older than a second. */
  get fsStale(): boolean {
    return this.clock() - this.fsAt > FS_REFRESH_MS;
  }

  /** Milliseconds since the file system was last asked. */
  get fsAgeMs(): number {
    return this.clock() - this.fsAt;
  }

  /** Free bytes of the file system: the last measurement less what was written since. */
  get free(): number {
    return this.fsFree - (this.used - this.usedAtFs);
  }

  add(bytes: number): void {
    this.used += bytes;
  }

  sub(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}
