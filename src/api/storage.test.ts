import { describe, expect, test } from "vitest";
import type { GcRun, Lifecycle } from "../lifecycle/service.ts";
import { silentLogger } from "../telemetry/log.ts";
import { Metrics } from "../telemetry/metrics.ts";
import { createAdminApi } from "./app.ts";
import { storageRoutes } from "./storage.ts";

const started: { dryRun: boolean }[] = [];
const run = (dryRun: boolean): GcRun => ({ id: "g1", dry_run: dryRun, trigger: "admin", state: "running", started_at: "", finished_at: null, progress: { scanned: 0, deleted: 0, bytes: 0, leased: 0, swept: 0 }, evicted: { images: [], bytes: 0 }, error: null });
const stub = {
  report: () => ({ store: { used_bytes: 1 } }),
  startGc: (o: { dryRun: boolean }) => (started.push(o), run(o.dryRun)),
  gcRun: (id: string) => (id === "g1" ? run(false) : undefined),
} as unknown as Lifecycle;

const app = createAdminApi({ registry: {} as never, log: silentLogger, metrics: new Metrics() }, [storageRoutes(stub)]);
const call = async (path: string, init?: RequestInit) => {
  const r = await app.request(`http://admin.test/api/v1${path}`, init);
  return { status: r.status, body: (await r.json()) as Record<string, unknown>, location: r.headers.get("location") };
};
const post = (body: string) => ({ method: "POST", headers: { "content-type": "application/json" }, body });

describe("storage admin API", () => {
  test("GET /storage is the usage report", async () => {
    expect(await call("/storage")).toMatchObject({ status: 200, body: { store: { used_bytes: 1 } } });
  });
  test("POST /storage/gc starts a run (dry or not) and answers 202 with where to follow it", async () => {
    expect(await call("/storage/gc", post(`{"dry_run": true}`))).toMatchObject({ status: 202, body: { id: "g1", dry_run: true }, location: "/api/v1/storage/gc/g1" });
    expect((await call("/storage/gc", post(""))).status).toBe(202);
    expect(started).toEqual([{ dryRun: true, trigger: "admin" }, { dryRun: false, trigger: "admin" }]);
  });
  test("bad bodies and unknown runs are refused with a reason, and start nothing", async () => {
    const before = started.length;
    expect(await call("/storage/gc", post("{"))).toMatchObject({ status: 400, body: { error: "expected a JSON body" } });
    expect(await call("/storage/gc", post(`{"dry_run": "yes"}`))).toMatchObject({ status: 400, body: { error: "dry_run: expected true or false" } });
    expect((await call("/storage/gc", post(`{"dry_run": false, "all": true}`))).status).toBe(400);
    expect((await call("/storage/gc", post(`[1]`))).status).toBe(400);
    expect(started.length).toBe(before);
    expect(await call("/storage/gc/nope")).toMatchObject({ status: 404 });
    expect((await call("/storage", { method: "DELETE" })).status).toBe(405);
  });
});
