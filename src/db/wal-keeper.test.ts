// WAL checkpoints on a worker thread (wal-keeper.ts, platform/worker-checkpointer.ts)
// on a real SQLite file: the worker keeps the WAL bounded with auto-checkpoint off on
// the main connection, runs' checkpoints go to it, and a worker that fails or hangs
// gives the checkpoints back to the main connection. No timing assertions: waits are
// for events, bounded only so that a broken worker fails the test instead of hanging it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, expect, test } from "vitest";
import { bunPlatform } from "../platform/bun.ts";
import type { CheckpointResult, WalCheckpointer } from "../platform/types.ts";
import { workerCheckpointer } from "../platform/worker-checkpointer.ts";
import { createLogger } from "../telemetry/log.ts";
import { walIndexState } from "../../test/helpers/wal-index.ts";
import { openDatabase, type Database } from "./client.ts";
import { keepWal, type WalKeeper } from "./wal-keeper.ts";
import { checkpointNow, withCheckpointsEvery } from "./wal.ts";

let dir: string | undefined;
let database: Database | undefined;
let keeper: WalKeeper | undefined;
afterEach(async () => {
  await keeper?.stop();
  database?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  database = dir = keeper = undefined;
});

function open(): { d: Database; path: string } {
  dir = mkdtempSync(join(tmpdir(), "regcache-wal-keeper-"));
  const path = join(dir, "regcache.db");
  database = openDatabase(bunPlatform.openSqlite(path));
  database.client.exec("create table filler (id integer primary key, body blob not null)");
  return { d: database, path };
}
const setting = (d: Database) => (d.client.prepare("PRAGMA wal_autocheckpoint").get() as { wal_autocheckpoint: number }).wal_autocheckpoint;
const insert = (d: Database, body: Uint8Array) => d.db.transaction(() => d.db.run(sql`insert into filler (body) values (${body})`), { behavior: "immediate" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Polls `check` until it holds; the bound only turns a broken worker into a failure. */
async function until(what: string, check: () => boolean, boundMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > boundMs) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

function logs(): { log: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { log: createLogger("debug", (l) => lines.push(JSON.parse(l))), lines };
}

/** A checkpointer that counts its calls and answers as told. */
function fakeCheckpointer(answer: () => Promise<CheckpointResult>): WalCheckpointer & { calls: number; closed: boolean } {
  const f = {
    calls: 0,
    closed: false,
    checkpoint() {
      f.calls++;
      return answer();
    },
    async close() {
      f.closed = true;
    },
  };
  return f;
}

test("the keeper's worker checkpoints the whole WAL before the main connection's auto-checkpoint would", async () => {
  const { d, path } = open();
  const { log, lines } = logs();
  keeper = keepWal(d.db, bunPlatform.startCheckpointer!(path), log, 20);
  expect(setting(d)).toBe(1000);
  // ~1.6 MiB of WAL: 400 pages or so, under the 1,000 of the main connection's auto-checkpoint.
  for (let i = 0; i < 100; i++) insert(d, new Uint8Array(16 * 1024));
  expect(walIndexState(path)!.frames).toBeGreaterThan(300);
  expect(walIndexState(path)!.frames).toBeLessThan(1000);
  await until("the worker copied the whole WAL", () => {
    const s = walIndexState(path)!;
    return s.frames > 0 && s.backfilled === s.frames;
  });
  // The next write starts the WAL over from its beginning.
  insert(d, new Uint8Array(10));
  expect(walIndexState(path)!.frames).toBeLessThan(10);
  expect(lines.filter((l) => l.level === "warn")).toEqual([]);
});

test("a run's checkpoints go to the worker, and the run waits for each", async () => {
  const { d } = open();
  let release: (() => void) | undefined;
  const fake = fakeCheckpointer(() => new Promise((resolve) => (release = () => resolve({ frames: 1, checkpointed: 1 }))));
  keeper = keepWal(d.db, fake, logs().log, 60_000);
  let commits = 0;
  const run = withCheckpointsEvery(d.db, 4, () => Promise.resolve(), async (committed) => {
    for (let i = 0; i < 8; i++) {
      insert(d, new Uint8Array(10));
      commits++;
      await committed();
    }
  });
  // The 4th commit asked the worker and waits for its answer (no further commit meanwhile).
  await until("the first checkpoint asked", () => fake.calls === 1);
  await sleep(50);
  expect(commits).toBe(4);
  release!();
  await until("the second checkpoint asked", () => fake.calls === 2);
  expect(commits).toBe(8);
  release!();
  await until("the run's last checkpoint asked", () => fake.calls === 3);
  release!();
  await run;
  expect(fake.calls).toBe(3);
  expect(setting(d)).toBe(1000); // the backstop is back once the run ends
});

test("a worker that lags behind a steady stream of commits: auto-checkpoint keeps the WAL bounded", async () => {
  const { d, path } = open();
  // Stuck (not yet given up on): every checkpoint asked of it stays pending.
  const fake = fakeCheckpointer(() => new Promise(() => {}));
  // Not `keeper`: its stop() would wait for the checkpoint that never answers.
  keepWal(d.db, fake, logs().log, 5);
  let largest = 0;
  // 3,000 commits of 4 KiB (~6,000 WAL pages if nothing checkpointed).
  for (let i = 0; i < 3000; i++) {
    insert(d, new Uint8Array(4 * 1024));
    largest = Math.max(largest, walIndexState(path)!.frames);
    if (i % 500 === 0) await sleep(10);
  }
  expect(fake.calls).toBeGreaterThan(0);
  expect(largest).toBeLessThan(1100);
});

test("a worker that fails: checkpoints go back to the main connection, with one warning", async () => {
  const { d } = open();
  const { log, lines } = logs();
  const fake = fakeCheckpointer(() => Promise.reject(new Error("thread gone")));
  keeper = keepWal(d.db, fake, log, 10);
  await until("the keeper gave up on the worker", () => fake.closed);
  expect(setting(d)).toBe(1000);
  expect(lines.filter((l) => l.level === "warn")).toEqual([expect.objectContaining({ msg: "WAL checkpoints moved back onto the main thread (auto-checkpoint)", error: "thread gone" })]);
  // From now on a checkpoint runs inline.
  insert(d, new Uint8Array(10));
  const calls = fake.calls;
  expect((await checkpointNow(d.db)).frames).toBeGreaterThan(0);
  expect(fake.calls).toBe(calls);
});

test("a failure during a run puts back auto-checkpoint when the run ends, not the run's paused 0", async () => {
  const { d } = open();
  const { log } = logs();
  let fail = false;
  const fake = fakeCheckpointer(() => (fail ? Promise.reject(new Error("thread gone")) : Promise.resolve({ frames: 0, checkpointed: 0 })));
  keeper = keepWal(d.db, fake, log, 5);
  await withCheckpointsEvery(d.db, 1_000, () => Promise.resolve(), async () => {
    fail = true;
    await until("the keeper gave up on the worker", () => fake.closed);
    expect(setting(d)).toBe(0); // still inside the run
  });
  expect(setting(d)).toBe(1000);
});

test("workerCheckpointer: a worker that never answers is given up on, and one that throws rejects", async () => {
  dir = mkdtempSync(join(tmpdir(), "regcache-wal-worker-"));
  const silent = join(dir, "silent.ts");
  writeFileSync(silent, "self.onmessage = () => {};\n");
  const hung = workerCheckpointer(new Worker(silent), join(dir, "x.db"), 200);
  const first = await hung.checkpoint().catch((e: Error) => e);
  expect(String(first)).toMatch(/did not answer within 200 ms/);
  // The thread was ended: every later call fails with the same error, asking nothing.
  expect(await hung.checkpoint().catch((e: Error) => e)).toBe(first);
  await hung.close();

  const throwing = join(dir, "throwing.ts");
  writeFileSync(throwing, "self.onmessage = () => { throw new Error('boom'); };\n");
  const broken = workerCheckpointer(new Worker(throwing), join(dir, "x.db"), 10_000);
  await expect(broken.checkpoint()).rejects.toThrow(/thread failed/);
  await broken.close();
});

test("workerCheckpointer: the real worker reports what it checkpointed", async () => {
  const { d, path } = open();
  d.client.exec("PRAGMA wal_autocheckpoint = 0");
  insert(d, new Uint8Array(64 * 1024));
  const cp = bunPlatform.startCheckpointer!(path);
  try {
    const r = await cp.checkpoint();
    expect(r.frames).toBeGreaterThan(10);
    expect(r.checkpointed).toBe(r.frames);
  } finally {
    await cp.close();
  }
});
