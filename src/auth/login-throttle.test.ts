import { expect, test } from "vitest";
import { createLoginThrottle } from "./login-throttle.ts";

test("blocks a (user, address) after maxFailures within the window, until the window ends; success resets", () => {
  let clock = 0;
  const t = createLoginThrottle({ maxFailures: 3, windowMs: 60_000, now: () => clock });
  for (let i = 0; i < 3; i++) {
    expect(t.retryAfter("u", "10.0.0.1")).toBeUndefined();
    t.failed("u", "10.0.0.1");
  }
  expect(t.retryAfter("u", "10.0.0.1")).toBe(60);
  expect(t.retryAfter("u", "10.0.0.2")).toBeUndefined(); // another machine: not locked out
  expect(t.retryAfter("v", "10.0.0.1")).toBeUndefined();
  clock = 45_000;
  expect(t.retryAfter("u", "10.0.0.1")).toBe(15);
  clock = 60_000;
  expect(t.retryAfter("u", "10.0.0.1")).toBeUndefined();
  t.failed("v", "a");
  t.failed("v", "a");
  t.succeeded("v", "a");
  t.failed("v", "a");
  expect(t.retryAfter("v", "a")).toBeUndefined();
});
