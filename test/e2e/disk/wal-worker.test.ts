// The WAL checkpoints on a worker thread (db/wal-keeper.ts) in the shipped binary and
// under Deno: the worker's entry point is found (in the compiled binary it is a second
// entry of `bun build --compile`), the main connection's auto-checkpoint is off, and
// the WAL written by a few pushes is copied into the database within seconds without
// any of it reaching the 1,000 pages at which SQLite would checkpoint by itself. The
// test reads the WAL index (-shm) and never opens a connection of its own, which
// would checkpoint. A worker that failed to start would log the fall-back warning and
// leave the WAL un-checkpointed: both are asserted.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { walIndexState } from "../../helpers/wal-index.ts";
import { pushBlob } from "../oci-http.ts";
import { startRegcache, type RegcacheProcess, type Runtime } from "../regcache-process.ts";

let regcache: RegcacheProcess | undefined;
afterEach(async () => {
  await regcache?.dispose();
  regcache = undefined;
});

describe.each<Runtime>(["binary", "deno"])("WAL checkpoints on a worker (%s)", (runtime) => {
  test("a few pushes' WAL is copied into the database by the worker, and nothing fell back", async () => {
    regcache = await startRegcache({ runtime });
    const database = join(regcache.storageDir, "regcache.db");
    for (let i = 0; i < 10; i++) await pushBlob(regcache.url, "myteam/wal", new Uint8Array(randomBytes(1024)));
    const written = walIndexState(database)!;
    expect(written.frames).toBeGreaterThan(0);
    expect(written.frames).toBeLessThan(1000);
    let state = written;
    for (let i = 0; i < 300 && !(state.frames > 0 && state.backfilled === state.frames); i++) {
      await new Promise((r) => setTimeout(r, 50));
      state = walIndexState(database)!;
    }
    expect(state.backfilled).toBe(state.frames);
    expect(regcache.logs().filter((l) => l.level === "warn" && String(l.msg).startsWith("WAL checkpoints"))).toEqual([]);
  }, 60_000);
});
