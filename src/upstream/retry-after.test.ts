import { describe, expect, it } from "vitest";
import { parseRetryAfter, RateLimitGate } from "./retry-after.ts";

describe("parseRetryAfter", () => {
  const now = Date.parse("2024-05-01T12:00:00Z");

  it("reads delay-seconds", () => {
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
  });

  it("reads an HTTP date", () => {
    expect(parseRetryAfter("Wed, 01 May 2024 12:00:30 GMT", now)).toBe(30);
    expect(parseRetryAfter("Wed, 01 May 2024 11:00:00 GMT", now)).toBe(0);
  });

  it("caps absurd values at a day and rejects garbage", () => {
    expect(parseRetryAfter("99999999", now)).toBe(86_400);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-5", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe("RateLimitGate", () => {
  it("blocks until the deadline and never shortens it", () => {
    let now = 0;
    const gate = new RateLimitGate(() => now);
    expect(gate.remainingSeconds()).toBe(0);
    gate.block(10);
    gate.block(2);
    now = 8_500;
    expect(gate.remainingSeconds()).toBe(2);
    now = 10_000;
    expect(gate.remainingSeconds()).toBe(0);
  });
});
