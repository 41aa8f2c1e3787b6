import { describe, expect, test } from "vitest";
import { UpstreamGate } from "./upstream-gate.ts";

describe("UpstreamGate", () => {
  const gate = () => new UpstreamGate({ baseMs: 1000, maxMs: 8000 }, () => 0.5);

  test("an outage class pauses the upstream, doubling per consecutive failure", () => {
    const g = gate();
    expect(g.failed("hub", "refused", 0)).toBe(1000);
    expect(g.paused(500)).toEqual(["hub"]);
    expect(g.paused(1000)).toEqual([]);
    expect(g.failed("hub", "timeout", 1000)).toBe(2000);
    expect(g.nextReopen(1000)).toBe(3000);
    expect(g.snapshot(1500)).toEqual([{ upstream: "hub", failure: "timeout", until: 3000, failures: 2 }]);
  });
  test("a success clears the pause history", () => {
    const g = gate();
    g.failed("hub", "http-5xx", 0);
    g.succeeded("hub");
    expect(g.paused(0)).toEqual([]);
    expect(g.failed("hub", "http-5xx", 0)).toBe(1000);
  });
  test("item failures (404, corrupt bytes) do not pause anything", () => {
    const g = gate();
    expect(g.failed("hub", "http-404", 0)).toBeUndefined();
    expect(g.failed("hub", "invalid-response", 0)).toBeUndefined();
    expect(g.paused(0)).toEqual([]);
  });
  test("Retry-After lengthens the pause", () => {
    expect(gate().failed("hub", "http-429", 0, 5000)).toBe(5000);
  });
});
