// Graceful shutdown of the compiled binary: on SIGTERM it stops accepting connections,
// lets a running blob download finish within server.shutdown_grace, and exits 0; a
// transfer that outlasts the grace period is cut so that the service still stops.
import { connect } from "node:net";
import { createHash } from "node:crypto";
import { afterEach, describe, expect, test } from "vitest";
import type { ExitStatus } from "../helpers/processes.ts";
import { startUpload, withDigest } from "./oci-http.ts";
import { randomContent, type RandomContent } from "./random-stream.ts";
import { startRegcache, type RegcacheProcess } from "./regcache-process.ts";

const SIZE = 128 * 1024 * 1024;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the error code of a fresh TCP connection attempt ("connected" if it worked). */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
  });
}

/** Tries fresh connections until one is refused; resolves with the last outcome. */
async function refusedWithin(port: number, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcome = await tryConnect(port);
    if (outcome === "ECONNREFUSED" || Date.now() > deadline) return outcome;
    await sleep(20);
  }
}

async function pushBig(regcache: RegcacheProcess, content: RandomContent): Promise<string> {
  const location = await startUpload(regcache.url, "myorg/big");
  const put = await fetch(withDigest(location, content.digest), {
    method: "PUT",
    body: content.stream().body,
    duplex: "half",
  } as RequestInit);
  expect(put.status).toBe(201);
  return `${regcache.url}/v2/myorg/big/blobs/${content.digest}`;
}

describe.each(["binary", "deno"] as const)("SIGTERM during a blob download (%s)", (runtime) => {
  let regcache: RegcacheProcess | undefined;

  afterEach(async () => {
    await regcache?.dispose();
    regcache = undefined;
  });

  test("the transfer completes, new connections are refused, the process exits 0", async () => {
    regcache = await startRegcache({ runtime, shutdownGrace: "15s", startTimeoutMs: 60_000 });
    const content = randomContent(SIZE);
    const url = await pushBig(regcache, content);

    const response = await fetch(url);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const hash = createHash("sha256");
    let received = 0;
    const take = (chunk: Uint8Array) => {
      hash.update(chunk);
      received += chunk.byteLength;
    };
    // Part of the blob is through; far more than socket buffers hold is still to come.
    while (received < 4 * 1024 * 1024) {
      const { done, value } = await reader.read();
      if (done) break;
      take(value);
    }

    const signalled = Date.now();
    let exitedAt: number | undefined;
    const exit: Promise<ExitStatus> = regcache.stop("SIGTERM", 30_000).then((status) => {
      exitedAt = Date.now();
      return status;
    });
    await regcache.waitForLog("shutting down");
    // The listener closes right after that log line (Deno closes it a moment later).
    expect(await refusedWithin(regcache.port, 2_000)).toBe("ECONNREFUSED");
    // Still serving the transfer that was under way.
    expect(regcache.process().isRunning()).toBe(true);

    // Read the rest at about 128 MiB/s, so the transfer visibly spans the shutdown.
    const started = Date.now();
    let runningAtHalf: boolean | undefined;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      take(value);
      if (runningAtHalf === undefined && received >= SIZE / 2) runningAtHalf = regcache.process().isRunning();
      const ahead = received / (128 * 1024) - (Date.now() - started);
      if (ahead > 5) await sleep(ahead);
    }
    const finishedAt = Date.now();
    expect(received).toBe(SIZE);
    expect(`sha256:${hash.digest("hex")}`).toBe(content.digest);

    // The process waited for the transfer: it was alive half-way through, long after the signal.
    expect(runningAtHalf).toBe(true);
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(finishedAt - signalled).toBeGreaterThan(500);
    expect(exitedAt! - signalled).toBeLessThan(15_000);
    const messages = regcache.logs().map((l) => l.msg);
    expect(messages).not.toContain("grace period over; cutting remaining transfers");
    expect(messages.at(-1)).toBe("stopped");
  });

  test("a transfer that outlasts shutdown_grace is cut, and the process still exits 0", async () => {
    regcache = await startRegcache({ runtime, shutdownGrace: "1s", startTimeoutMs: 60_000 });
    const url = await pushBig(regcache, randomContent(SIZE));

    const response = await fetch(url);
    const reader = response.body!.getReader();
    await reader.read();
    // The client stops reading: the transfer can never finish by itself.
    const signalled = Date.now();
    const status = await regcache.stop("SIGTERM", 30_000);
    const took = Date.now() - signalled;
    expect(status).toEqual({ code: 0, signal: null });
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(10_000);
    expect(regcache.logs().map((l) => l.msg)).toContain("grace period over; cutting remaining transfers");

    // The client sees a body that ends short or breaks, never a complete blob.
    let received = 0;
    const outcome = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return "ended";
        received += value.byteLength;
      }
    })().catch(() => "broken");
    expect(["ended", "broken"]).toContain(outcome);
    expect(received).toBeLessThan(SIZE);
  });
});
