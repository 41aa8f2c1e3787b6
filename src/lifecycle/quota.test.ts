// The quota's min_free floor and SQLite: its files are not charged, and a WAL
// checkpoint grows the database file by up to the WAL's size at once, so near the
// floor the quota keeps that much more free (usage.ts, sqliteHeadroom). A stand-in for
// the byte account keeps the figures exact; the WAL size is read from a real file.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import type { StorageLimits } from "./limits.ts";
import { Quota, type RoomReason } from "./quota.ts";
import { StoreUsage } from "./usage.ts";

const MIB = 1024 * 1024;
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The account's figures, fixed: `fsFree` free at the last statfs, `used` since then. */
function account(fsFree: number, sqliteHeadroom: number) {
  return {
    used: 0,
    sqliteHeadroom,
    fsStale: false,
    fsAgeMs: 0,
    get free() {
      return fsFree - this.used;
    },
    refreshFs: async () => {},
    add(n: number) {
      this.used += n;
    },
    sub(n: number) {
      this.used -= n;
    },
  };
}

const limits: StorageLimits = { maxBytes: 0, minFreeBytes: 6 * MIB, lowBytes: 0, targetFreeBytes: 7 * MIB };

test("a write that fits above min_free but not above min_free plus the WAL's size makes room first", async () => {
  const usage = account(10 * MIB, 2 * MIB);
  const asked: { reason: RoomReason; enoughBefore: boolean }[] = [];
  const quota = new Quota(usage as unknown as StoreUsage, () => limits, async (reason, enough) => {
    asked.push({ reason, enoughBefore: enough() });
    usage.used -= 3 * MIB; // eviction frees 3 MiB
    return 3 * MIB;
  }, "/store");
  // 3 MiB leaves 7 free: above the 6 of min_free, under 6 + 2 of the WAL.
  expect(quota.overBy(3 * MIB)).toBe("min_free");
  await quota.charge(3 * MIB);
  expect(asked).toEqual([{ reason: "min_free", enoughBefore: false }]);
  // Eviction freed 3 MiB, then the write took its 3: 10 MiB free, at least min_free plus the WAL.
  expect(usage.free).toBe(10 * MIB);
});

test("without a WAL the same write goes through at once", () => {
  const usage = account(10 * MIB, 0);
  let asked = 0;
  const quota = new Quota(usage as unknown as StoreUsage, () => limits, async () => (asked++, 0), "/store");
  expect(quota.charge(3 * MIB)).toBeUndefined();
  expect(asked).toBe(0);
});

test("the headroom is the WAL file's size, read with each statfs", async () => {
  dir = mkdtempSync(join(tmpdir(), "regcache-usage-"));
  const database = join(dir, "regcache.db");
  const usage = new StoreUsage(dir, database);
  await usage.refreshFs();
  expect(usage.sqliteHeadroom).toBe(0);
  writeFileSync(`${database}-wal`, new Uint8Array(123_456));
  await usage.refreshFs();
  expect(usage.sqliteHeadroom).toBe(123_456);
});
