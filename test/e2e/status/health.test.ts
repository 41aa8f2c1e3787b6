// Issue 15: /healthz, /readyz and request ids on the compiled binary, and sd_notify
// READY=1 / STOPPING=1 to a $NOTIFY_SOCKET (a stand-in for systemd's end of it).
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { freePort } from "../../helpers/ports.ts";
import { spawnProcess, type ChildHandle } from "../../helpers/processes.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { nextRequestLine, sleep, upstreamToml } from "../pull-through/setup.ts";

const RECEIVER = join(import.meta.dirname, "notify-receiver.py");

describe("health endpoints, request ids and sd_notify", () => {
  let work: TempDir;
  let receiver: ChildHandle;
  let regcache: RegcacheProcess;

  beforeAll(async () => {
    work = makeTempDir();
    const socket = join(work.path, "notify.sock");
    receiver = spawnProcess("python3", [RECEIVER, socket, "90"], { name: "notify receiver" });
    await receiver.waitForLine(/^listening$/, 10_000);
    // The only upstream refuses every connection: health must not depend on it.
    const down = `http://127.0.0.1:${await freePort()}`;
    regcache = await startRegcache({ env: { NOTIFY_SOCKET: socket }, extraToml: upstreamToml({ name: "down", url: down }) });
  });

  afterAll(async () => {
    await regcache?.dispose();
    await receiver?.stop("SIGTERM", 2_000);
    work?.remove();
  });

  test("READY=1 reaches $NOTIFY_SOCKET once it serves, naming its pid", async () => {
    const line = await receiver.waitForLine(/READY=1/, 10_000, "stdout");
    const message = JSON.parse(line) as string;
    expect(message.split("\n")).toContain(`MAINPID=${regcache.process().pid}`);
  });

  test("/healthz and /readyz answer without auth and without the (down) upstream", async () => {
    const health = await fetch(`${regcache.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("ok\n");
    const ready = await fetch(`${regcache.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { database: "ok", store: "ok", shutdown: "ok" } });
  });

  test("/readyz answers 503 while the store cannot be written, and 200 again after", async () => {
    const tmp = join(regcache.storageDir, "tmp");
    const aside = join(regcache.storageDir, "tmp.aside");
    // A file where the tmp dir was: every write into it fails (root ignores modes, not this).
    renameSync(tmp, aside);
    writeFileSync(tmp, "not a directory");
    try {
      const report = await pollReady(503);
      expect(report.checks.store).toMatch(/^not writable: /);
      expect(report.checks.database).toBe("ok");
    } finally {
      rmSync(tmp);
      renameSync(aside, tmp);
    }
    expect((await pollReady(200)).ready).toBe(true);
  });

  test("every request gets an X-Request-Id: a sane one is kept, anything else replaced, and the log line has it", async () => {
    const sane = "edge-42.req_7";
    let logged = nextRequestLine(regcache, "/v2/");
    const kept = await fetch(`${regcache.url}/v2/`, { headers: { "x-request-id": sane } });
    expect(kept.headers.get("x-request-id")).toBe(sane);
    expect((await logged()).request_id).toBe(sane);

    for (const bad of ["has spaces", "a".repeat(65), 'quote"d', "semi;colon"]) {
      logged = nextRequestLine(regcache, "/v2/");
      const replaced = await fetch(`${regcache.url}/v2/`, { headers: { "x-request-id": bad } });
      const id = replaced.headers.get("x-request-id");
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect((await logged()).request_id).toBe(id);
    }
    // Errors too, from the upstream that is down.
    const failed = await fetch(`${regcache.url}/v2/down/library/x/manifests/1`);
    expect(failed.status).toBe(503);
    expect(failed.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("STOPPING=1 when SIGTERM starts the graceful stop", async () => {
    await regcache.stop("SIGTERM");
    expect(JSON.parse(await receiver.waitForLine(/STOPPING=1/, 10_000, "stdout"))).toContain("STOPPING=1");
    await receiver.exited;
  });

  /** Polls /readyz until it answers `status` (the store probe is kept for a second). */
  async function pollReady(status: number): Promise<{ ready: boolean; checks: Record<string, string> }> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const response = await fetch(`${regcache.url}/readyz`);
      const body = (await response.json()) as { ready: boolean; checks: Record<string, string> };
      if (response.status === status) return body;
      if (Date.now() > deadline) throw new Error(`/readyz did not answer ${status}: ${JSON.stringify(body)}`);
      await sleep(100);
    }
  }
});
