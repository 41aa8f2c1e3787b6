import { describe, expect, it } from "vitest";
import { expiryOf, TokenCache } from "./token-cache.ts";

const key = { realm: "https://auth.example/token", service: "reg", scope: "repository:a:pull" };

describe("TokenCache", () => {
  it("keys tokens by realm, service and scope", () => {
    const cache = new TokenCache(() => 0);
    cache.set(key, { token: "t1" });
    expect(cache.get(key)).toBe("t1");
    expect(cache.get({ ...key, scope: "repository:b:pull" })).toBeUndefined();
    expect(cache.get({ ...key, service: "other" })).toBeUndefined();
    expect(cache.get({ ...key, realm: "https://elsewhere/token" })).toBeUndefined();
  });

  it("defaults to 60 s and gives tokens up before they expire", () => {
    let now = 1_000_000;
    const cache = new TokenCache(() => now);
    cache.set(key, { token: "t" });
    now += 49_000;
    expect(cache.get(key)).toBe("t");
    now += 1_000; // 50 s: inside the 10 s safety margin
    expect(cache.get(key)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("counts from issued_at when the clocks agree", () => {
    const now = Date.parse("2024-05-01T12:00:00Z");
    expect(expiryOf({ token: "t", expiresIn: 300, issuedAt: "2024-05-01T11:59:00Z" }, now)).toBe(
      Date.parse("2024-05-01T12:03:50Z"),
    );
  });

  it("ignores an issued_at from a clock that is far off", () => {
    const now = Date.parse("2024-05-01T12:00:00Z");
    expect(expiryOf({ token: "t", expiresIn: 300, issuedAt: "2020-01-01T00:00:00Z" }, now)).toBe(now + 290_000);
    expect(expiryOf({ token: "t", expiresIn: 300, issuedAt: "not a date" }, now)).toBe(now + 290_000);
  });

  it("keeps half of a very short lifetime", () => {
    expect(expiryOf({ token: "t", expiresIn: 4 }, 0)).toBe(2_000);
  });

  it("forgets a deleted token", () => {
    const cache = new TokenCache(() => 0);
    cache.set(key, { token: "t", expiresIn: 3600 });
    cache.delete(key);
    expect(cache.get(key)).toBeUndefined();
  });
});
