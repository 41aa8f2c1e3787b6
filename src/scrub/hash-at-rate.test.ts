// The rate bound, on a clock the test owns (no timing): hashing 10 MiB at 1 MiB/s must
// wait the 9 s that the bucket's one second of burst does not cover, and no read may
// take more than the bucket let through.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { sha256 } from "../../test/helpers/fake-upstream-client.ts";
import { type Clock, TokenBucket } from "../prefetch/token-bucket.ts";
import { ScrubStopped } from "./errors.ts";
import { hashAtRate } from "./hash-at-rate.ts";

const MiB = 1 << 20;
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function fakeClock() {
  const clock = { t: 0, slept: 0, now: () => clock.t, sleep: async (ms: number) => void ((clock.t += ms), (clock.slept += ms)) };
  return clock satisfies Clock;
}

describe("hashAtRate", () => {
  test("10 MiB at 1 MiB/s: 9 s of waiting on the clock, chunks no larger than 1 MiB, the right digest", async () => {
    dir = mkdtempSync(join(tmpdir(), "regcache-scrub-rate-"));
    const bytes = new Uint8Array(10 * MiB).map((_, i) => i % 253);
    writeFileSync(join(dir, "blob"), bytes);
    const clock = fakeClock();
    const chunks: number[] = [];
    const hashed = await hashAtRate(join(dir, "blob"), "sha256", { bucket: new TokenBucket(MiB, clock), onBytes: (n) => chunks.push(n) });
    expect(hashed.digest).toBe(sha256(bytes));
    expect(hashed.bytes).toBe(10 * MiB);
    expect(Math.max(...chunks)).toBeLessThanOrEqual(MiB);
    // The first MiB passes on the bucket's initial second; each further MiB waits one second
    // (and the final empty read asks for one byte more).
    expect(clock.slept).toBeGreaterThanOrEqual(9_000);
    expect(clock.slept).toBeLessThan(9_010);
  });

  test("chunkSize bounds each read, so a wait for the bucket is never longer than a second", async () => {
    dir = mkdtempSync(join(tmpdir(), "regcache-scrub-rate-"));
    writeFileSync(join(dir, "blob"), new Uint8Array(100 * 1024));
    const clock = fakeClock();
    const waits: number[] = [];
    const sleep = clock.sleep;
    clock.sleep = async (ms) => void (waits.push(ms), await sleep(ms));
    const chunks: number[] = [];
    await hashAtRate(join(dir, "blob"), "sha256", { bucket: new TokenBucket(10 * 1024, clock), chunkSize: 10 * 1024, onBytes: (n) => chunks.push(n) });
    expect(chunks).toEqual(Array(10).fill(10 * 1024));
    expect(Math.max(...waits)).toBeLessThanOrEqual(1_000);
    expect(clock.slept).toBeGreaterThanOrEqual(9_000);
  });

  test("a stop between two chunks ends the hash with ScrubStopped", async () => {
    dir = mkdtempSync(join(tmpdir(), "regcache-scrub-rate-"));
    writeFileSync(join(dir, "blob"), new Uint8Array(3 * MiB));
    const abort = new AbortController();
    const outcome = hashAtRate(join(dir, "blob"), "sha256", { bucket: new TokenBucket(MiB, fakeClock()), signal: abort.signal, onBytes: () => abort.abort() });
    await expect(outcome).rejects.toBeInstanceOf(ScrubStopped);
  });
});
