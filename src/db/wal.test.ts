// WAL checkpoints of long write runs (wal.ts) on a real SQLite file in WAL mode:
// auto-checkpoint off while a run goes and back after (nested runs, errors), and
// a run's WAL bounded by its own checkpoints. No timing.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, expect, test } from "vitest";
import { bunPlatform } from "../platform/bun.ts";
import { openDatabase, type Database } from "./client.ts";
import { pauseAutoCheckpoint, withCheckpointsEvery } from "./wal.ts";

let dir: string | undefined;
let database: Database | undefined;
afterEach(() => {
  database?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  database = dir = undefined;
});

function open(): Database {
  dir = mkdtempSync(join(tmpdir(), "regcache-wal-"));
  database = openDatabase(bunPlatform.openSqlite(join(dir, "regcache.db")));
  database.client.exec("create table filler (id integer primary key, body blob not null)");
  return database;
}
const setting = (d: Database) => (d.client.prepare("PRAGMA wal_autocheckpoint").get() as { wal_autocheckpoint: number }).wal_autocheckpoint;
const turn = () => Promise.resolve();

test("auto-checkpoint is off while runs go (nested) and comes back as it was, also after an error", async () => {
  const d = open();
  d.client.exec("PRAGMA wal_autocheckpoint = 500");
  const outer = pauseAutoCheckpoint(d.db);
  const inner = pauseAutoCheckpoint(d.db);
  expect(setting(d)).toBe(0);
  inner();
  inner(); // a second release of the same run changes nothing
  expect(setting(d)).toBe(0);
  outer();
  expect(setting(d)).toBe(500);
  await expect(
    withCheckpointsEvery(d.db, 8, turn, async () => {
      expect(setting(d)).toBe(0);
      throw new Error("page failed");
    }),
  ).rejects.toThrow("page failed");
  expect(setting(d)).toBe(500);
});

test("a run's WAL stays bounded by its own checkpoints", async () => {
  const d = open();
  const wal = join(dir!, "regcache.db-wal");
  const body = new Uint8Array(16 * 1024);
  let largest = 0;
  // 200 transactions of 16 KiB each (5 pages or so): 3+ MiB of WAL if nothing checkpointed;
  // with a checkpoint every 8 commits the WAL restarts (at the first write after a complete
  // checkpoint) and never holds more than a few.
  await withCheckpointsEvery(d.db, 8, turn, async (committed) => {
    for (let i = 0; i < 200; i++) {
      d.db.transaction(() => d.db.run(sql`insert into filler (body) values (${body})`), { behavior: "immediate" });
      largest = Math.max(largest, statSync(wal).size);
      await committed();
    }
  });
  expect(largest).toBeLessThan(1024 * 1024);
  expect(setting(d)).toBe(1000);
});
