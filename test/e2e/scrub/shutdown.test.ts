// A scrub in progress does not hold up a shutdown: at 64 KiB/s over 2 MiB it would take
// half a minute, and SIGTERM ends it between two reads (at most a second of its rate) and
// the process exits 0, logging the run as stopped. The next run starts over.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sha256 } from "../../helpers/oci-image.ts";
import { api } from "../prefetch/setup.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import type { ScrubProgress } from "../../../src/scrub/progress.ts";

describe("SIGTERM during a scrub", () => {
  let regcache: RegcacheProcess;

  beforeAll(async () => {
    regcache = await startRegcache({ extraToml: 'scrub_rate = "64KiB/s"\n' });
    const blob = randomBytes(2 * 1024 * 1024);
    const answer = await fetch(`${regcache.url}/v2/myteam/big/blobs/uploads/?digest=${sha256(blob)}`, { method: "POST", body: blob, headers: { "content-type": "application/octet-stream" } });
    expect(answer.status).toBe(201);
  });

  afterAll(async () => regcache?.dispose());

  test("stops the run and exits 0", async () => {
    const run = await api<ScrubProgress>(regcache, "/scrub", { method: "POST", body: "{}" });
    expect(run).toMatchObject({ state: "running", total_blobs: 1, total_bytes: 2 * 1024 * 1024 });
    await regcache.waitForLog("scrub started");
    const status = await regcache.stop("SIGTERM", 10_000);
    expect(status).toEqual({ code: 0, signal: null });
    // The output pipe may still be draining when the exit is seen: poll for the line.
    const finishedLine = () => regcache.logs().find((l) => l.msg === "scrub finished");
    for (let i = 0; i < 100 && !finishedLine(); i++) await new Promise((r) => setTimeout(r, 50));
    const finished = finishedLine();
    expect(finished).toMatchObject({ id: run.id, state: "stopped" });
    expect(finished!.bytes as number).toBeLessThan(2 * 1024 * 1024);
  });
});
