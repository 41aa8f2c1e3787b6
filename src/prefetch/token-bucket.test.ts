import { describe, expect, test } from "vitest";
import { throttle, TokenBucket, type Clock } from "./token-bucket.ts";

function fakeClock(): Clock & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(Math.round(ms));
      t += ms;
    },
  };
}

describe("TokenBucket", () => {
  test("a full bucket lets one second of bytes through at once", async () => {
    const clock = fakeClock();
    const b = new TokenBucket(1000, clock);
    await b.take(600);
    await b.take(400);
    expect(clock.slept).toEqual([]);
  });
  test("beyond that, takers wait at the configured rate", async () => {
    const clock = fakeClock();
    const b = new TokenBucket(1000, clock);
    await b.take(1000);
    await b.take(500);
    await b.take(2000); // bigger than the bucket: pays its debt
    expect(clock.slept).toEqual([500, 2000]);
    expect(clock.now()).toBe(2500);
  });
  test("concurrent takers are served in order and share the rate", async () => {
    const clock = fakeClock();
    const b = new TokenBucket(100, clock);
    await b.take(100);
    await Promise.all([b.take(100), b.take(100), b.take(100)]);
    expect(clock.now()).toBe(3000);
  });
});

describe("throttle", () => {
  test("passes every byte through in order and counts them", async () => {
    const chunks = [new Uint8Array([1, 2]), new Uint8Array([3]), new Uint8Array([4, 5, 6])];
    const source = new ReadableStream<Uint8Array>({
      start(c) {
        for (const x of chunks) c.enqueue(x);
        c.close();
      },
    });
    let counted = 0;
    const clock = fakeClock();
    const out = throttle(source, new TokenBucket(2, clock), (n) => (counted += n));
    const got: number[] = [];
    for await (const c of out as unknown as AsyncIterable<Uint8Array>) got.push(...c);
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
    expect(counted).toBe(6);
    expect(clock.now()).toBe(2000);
  });
});
