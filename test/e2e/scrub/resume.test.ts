// A scheduled scrub cut by a restart continues where it stopped (migration 6,
// scrub_cursor): on a store too large to re-hash between two reboots, each run would
// otherwise start over and the blobs late in digest order would never be checked.
// The compiled binary, a scrub scheduled every second, four 256 KiB blobs at 256 KiB/s.
import { Database } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { pushBlob } from "../oci-http.ts";
import { api } from "../prefetch/setup.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import type { ScrubStatus } from "../../../src/scrub/service.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a scheduled scrub stopped by a restart", () => {
  let regcache: RegcacheProcess;
  afterAll(async () => regcache?.dispose());

  test("the next scheduled run continues after the last blob checked, and checks only the rest", async () => {
    regcache = await startRegcache({ extraToml: 'scrub_schedule = "* * * * * *"\nscrub_rate = "256KiB/s"\n' });
    for (let i = 0; i < 4; i++) await pushBlob(regcache.url, "myteam/scrubbed", new Uint8Array(randomBytes(256 * 1024)));
    // The first scheduled run started before the pushes or after; wait for one that sees all four.
    let status = await api<ScrubStatus>(regcache, "/scrub");
    for (let i = 0; i < 400 && !(status.running && status.running.total_blobs === 4 && status.running.checked_blobs >= 1); i++) {
      await sleep(25);
      status = await api<ScrubStatus>(regcache, "/scrub");
    }
    const cut = status.running!;
    expect(cut).toMatchObject({ trigger: "schedule", dry_run: false, total_blobs: 4 });
    expect(await regcache.stop("SIGTERM", 10_000)).toEqual({ code: 0, signal: null });

    const db = new Database(join(regcache.storageDir, "regcache.db"), { readonly: true });
    const cursor = db.query("select run_id as runId, after from scrub_cursor").get() as { runId: string; after: string };
    const order = (db.query("select digest from blobs order by digest").all() as { digest: string }[]).map((r) => r.digest);
    db.close();
    expect(cursor.runId).toBe(cut.id);
    const checkedBefore = order.indexOf(cursor.after) + 1;
    expect(checkedBefore).toBeGreaterThanOrEqual(1);
    expect(checkedBefore).toBeLessThan(4);

    await regcache.restart();
    const resumedLine = await regcache.waitForLog("scrub started", 10_000);
    expect(resumedLine).toMatchObject({ trigger: "schedule", resumed_after: cursor.after });
    let finished = regcache.logs().find((l) => l.msg === "scrub finished" && l.id === resumedLine.id);
    for (let i = 0; i < 400 && !finished; i++) {
      await sleep(25);
      finished = regcache.logs().find((l) => l.msg === "scrub finished" && l.id === resumedLine.id);
    }
    expect(finished).toMatchObject({ state: "done", blobs: 4 - checkedBefore, corrupt: 0, missing: 0 });
    // The next run starts from the first blob again.
    let next = regcache.logs().find((l) => l.msg === "scrub started" && l.id !== resumedLine.id && l.id !== cut.id);
    for (let i = 0; i < 200 && !next; i++) {
      await sleep(25);
      next = regcache.logs().find((l) => l.msg === "scrub started" && l.id !== resumedLine.id && l.id !== cut.id);
    }
    expect(next).toBeDefined();
    expect(next!.resumed_after).toBeUndefined();
  }, 60_000);
});
