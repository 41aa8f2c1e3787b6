// Hit ratio from the recorder's per-minute totals: per minute for the last hour,
// per hour for the last day. "From the cache" counts HIT, REVALIDATED (a HEAD
// upstream, no download) and STALE: each is a pull that cost no transfer.
import { addCounts, zeroCounts, type Counts } from "./minute-series.ts";
import type { HitRatio, RatioPoint } from "./source.ts";

const answered = (c: Counts) => c.hit + c.miss + c.revalidated + c.stale;
const ratioOf = (c: Counts) => (answered(c) === 0 ? null : (c.hit + c.revalidated + c.stale) / answered(c));

function points(minutes: Counts[], per: number, firstStart: number): RatioPoint[] {
  const out: RatioPoint[] = [];
  for (let i = 0; i < minutes.length; i += per) {
    const c = minutes.slice(i, i + per).reduce(addCounts, zeroCounts());
    out.push({ start: firstStart + i * 60_000, requests: answered(c), ratio: ratioOf(c) });
  }
  return out;
}

/** `day`: the totals of the last 1440 minutes up to `now`, oldest first. */
export function hitRatio(day: Counts[], now: number): HitRatio {
  const firstStart = (Math.floor(now / 60_000) - day.length + 1) * 60_000;
  const hourMinutes = day.slice(-60);
  return {
    hourly: points(hourMinutes, 1, firstStart + (day.length - 60) * 60_000),
    hour: ratioOf(hourMinutes.reduce(addCounts, zeroCounts())),
    daily: points(day, 60, firstStart),
    day: ratioOf(day.reduce(addCounts, zeroCounts())),
  };
}
