import { describe, expect, test } from "vitest";
import { UpstreamGate } from "./upstream-gate.ts";

const none = new Set<string>();

describe("UpstreamGate", () => {
  const gate = () => new UpstreamGate({ baseMs: 1000, maxMs: 8000 }, () => 0.5);

  test("an outage class pauses the upstream; each failed probe doubles the pause", () => {
    const g = gate();
    expect(g.failed("hub", "refused", 0)).toBe(1000);
    expect(g.blocked(500, none)).toEqual(["hub"]);
    expect(g.blocked(1000, none)).toEqual([]);
    expect(g.failed("hub", "timeout", 1000)).toBe(2000);
    expect(g.nextReopen(1000)).toBe(3000);
    expect(g.snapshot(1500)).toEqual([{ upstream: "hub", failure: "timeout", until: 3000, failures: 2, probing: false }]);
  });
  test("failures of jobs that were running when the pause began do not lengthen it", () => {
    const g = gate();
    expect(g.failed("hub", "http-5xx", 0)).toBe(1000);
    expect(g.failed("hub", "http-5xx", 10)).toBeUndefined();
    expect(g.failed("hub", "http-5xx", 20)).toBeUndefined();
    expect(g.nextReopen(30)).toBe(1000);
  });
  test("after a pause, one probe at a time: the upstream stays blocked while one of its jobs runs", () => {
    const g = gate();
    g.failed("hub", "refused", 0);
    expect(g.blocked(1500, none)).toEqual([]);
    expect(g.blocked(1500, new Set(["hub"]))).toEqual(["hub"]);
    expect(g.snapshot(1500)[0]!.probing).toBe(true);
    g.succeeded("hub");
    expect(g.blocked(1500, new Set(["hub"]))).toEqual([]);
    expect(g.failed("hub", "http-5xx", 2000)).toBe(1000);
  });
  test("item failures (404, corrupt bytes) do not pause anything", () => {
    const g = gate();
    expect(g.failed("hub", "http-404", 0)).toBeUndefined();
    expect(g.failed("hub", "invalid-response", 0)).toBeUndefined();
    expect(g.blocked(0, new Set(["hub"]))).toEqual([]);
  });
  test("Retry-After lengthens the pause", () => {
    expect(gate().failed("hub", "http-429", 0, 5000)).toBe(5000);
  });
});
