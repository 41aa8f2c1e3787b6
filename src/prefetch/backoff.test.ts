import { describe, expect, test } from "vitest";
import { DigestMismatch } from "../blobstore/errors.ts";
import { UpstreamError } from "../upstream/index.ts";
import { classifyFailure, pausesUpstream, retryDelay } from "./backoff.ts";

const p = { baseMs: 1000, maxMs: 60_000 };
const mid = () => 0.5; // no jitter

describe("retryDelay", () => {
  test("doubles per attempt and stops at the cap", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((a) => retryDelay(a, p, mid))).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  });
  test("jitter stays within ±25% and never passes the cap", () => {
    expect(retryDelay(3, p, () => 0)).toBe(3000);
    expect(retryDelay(3, p, () => 1)).toBe(5000);
    expect(retryDelay(10, p, () => 1)).toBe(60_000);
  });
  test("Retry-After is a floor", () => {
    expect(retryDelay(1, p, mid, 30_000)).toBe(30_000);
  });
  test("a huge attempt count does not overflow", () => {
    expect(retryDelay(5000, p, mid)).toBe(60_000);
  });
});

describe("classifyFailure", () => {
  test("upstream errors keep their class and Retry-After", () => {
    const c = classifyFailure(new UpstreamError("hub", "http-429", "slow down", { retryAfterSeconds: 7 }));
    expect(c).toMatchObject({ failure: "http-429", retryAfterMs: 7000 });
    expect(c.message).toMatch(/hub/);
  });
  test("corrupt bytes are an invalid response; anything else is internal", () => {
    expect(classifyFailure(new DigestMismatch("sha256:a", "sha256:b")).failure).toBe("invalid-response");
    expect(classifyFailure(new Error("boom"))).toEqual({ failure: "internal", message: "boom", retryAfterMs: 0 });
  });
  test("only outage-like classes pause an upstream", () => {
    expect(pausesUpstream("refused")).toBe(true);
    expect(pausesUpstream("http-5xx")).toBe(true);
    expect(pausesUpstream("http-404")).toBe(false);
    expect(pausesUpstream("invalid-response")).toBe(false);
  });
});
