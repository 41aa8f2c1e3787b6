import { describe, expect, it } from "vitest";
import { StatusRecorder, type RequestRecord } from "./recorder.ts";
import { hitRatio } from "./hit-ratio.ts";
import { MINUTES_PER_DAY } from "./minute-series.ts";

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const req = (over: Partial<RequestRecord>): RequestRecord => ({ time: T0, method: "GET", path: "/v2/up/a/manifests/1", status: 200, requestId: "r", upstream: "up", ...over });

describe("StatusRecorder", () => {
  it("counts outcomes per upstream and minute, and the last hour only", () => {
    const r = new StatusRecorder();
    r.record(req({ cache: "MISS" }));
    r.record(req({ cache: "HIT", time: T0 + 30_000 }));
    r.record(req({ cache: "STALE", upstreamFailure: "refused", time: T0 + 61_000 }));
    r.record(req({ cache: "HIT", time: T0 - 2 * 3600_000 }));
    const hour = r.activity("up").series.sum(60, T0 + 61_000);
    expect(hour).toEqual({ requests: 3, hit: 1, miss: 1, revalidated: 0, stale: 1, failures: 1 });
    expect(r.activity("up").series.sum(MINUTES_PER_DAY, T0 + 61_000).requests).toBe(4);
  });

  it("forgets a slot from the previous day instead of adding to it", () => {
    const r = new StatusRecorder();
    r.record(req({ cache: "HIT" }));
    const tomorrow = T0 + MINUTES_PER_DAY * 60_000;
    r.record(req({ cache: "MISS", time: tomorrow }));
    expect(r.activity("up").series.sum(1, tomorrow)).toMatchObject({ requests: 1, hit: 0, miss: 1 });
  });

  it("keeps the last success and failure: the later one decides", () => {
    const r = new StatusRecorder();
    r.record(req({ cache: "MISS", time: T0 }));
    r.record(req({ cache: "HIT", time: T0 + 5 })); // a hit does not ask the upstream
    expect(r.activity("up").lastSuccess).toBe(T0);
    r.record(req({ status: 503, upstreamFailure: "timeout", time: T0 + 10 }));
    expect(r.activity("up").lastFailure).toEqual({ time: T0 + 10, failure: "timeout" });
  });

  it("keeps the last 20 errors, newest first, and requests of no upstream only as errors", () => {
    const r = new StatusRecorder();
    for (let i = 0; i < 25; i++) r.record(req({ upstream: undefined, status: 500, requestId: `id${i}`, time: T0 + i }));
    const errors = r.lastErrors();
    expect(errors).toHaveLength(20);
    expect(errors[0]!.requestId).toBe("id24");
    expect(errors.at(-1)!.requestId).toBe("id5");
    expect(r.totals(60, T0 + 30).every((c) => c.requests === 0)).toBe(true);
  });
});

describe("hitRatio", () => {
  it("counts HIT, REVALIDATED and STALE as served from the cache; empty intervals have no ratio", () => {
    const r = new StatusRecorder();
    r.record(req({ cache: "HIT" }));
    r.record(req({ cache: "REVALIDATED" }));
    r.record(req({ cache: "STALE" }));
    r.record(req({ cache: "MISS" }));
    r.record(req({ upstream: "other", cache: "MISS", time: T0 - 3 * 3600_000 }));
    const h = hitRatio(r.totals(MINUTES_PER_DAY, T0), T0);
    expect(h.hour).toBe(3 / 4);
    expect(h.day).toBe(3 / 5);
    expect(h.hourly).toHaveLength(60);
    expect(h.hourly.at(-1)).toMatchObject({ start: T0, requests: 4, ratio: 0.75 });
    expect(h.hourly[0]!.ratio).toBeNull();
    expect(h.daily).toHaveLength(24);
    expect(h.daily.filter((p) => p.ratio !== null).map((p) => p.ratio)).toEqual([0, 0.75]);
  });
});
