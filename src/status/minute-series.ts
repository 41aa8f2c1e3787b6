// Counters per minute for the last day, in a fixed ring of 1440 slots. A slot
// remembers which minute it holds, so a slot left over from yesterday reads as
// zero instead of being cleared by a timer: nothing runs between requests.
export const MINUTES_PER_DAY = 1440;

export interface Counts {
  requests: number;
  hit: number;
  miss: number;
  revalidated: number;
  stale: number;
  failures: number;
}

export const zeroCounts = (): Counts => ({ requests: 0, hit: 0, miss: 0, revalidated: 0, stale: 0, failures: 0 });

export function addCounts(into: Counts, from: Counts): Counts {
  for (const k of Object.keys(into) as (keyof Counts)[]) into[k] += from[k];
  return into;
}

export class MinuteSeries {
  private readonly minutes = new Array<number>(MINUTES_PER_DAY).fill(-1);
  private readonly slots: Counts[] = Array.from({ length: MINUTES_PER_DAY }, zeroCounts);

  /** The counters of the minute that contains `now` (ms), ready to be increased. */
  at(now: number): Counts {
    const minute = Math.floor(now / 60_000);
    const i = minute % MINUTES_PER_DAY;
    if (this.minutes[i] !== minute) {
      this.minutes[i] = minute;
      this.slots[i] = zeroCounts();
    }
    return this.slots[i]!;
  }

  /** Counters of each of the last `count` minutes up to `now`, oldest first. */
  last(count: number, now: number): Counts[] {
    const current = Math.floor(now / 60_000);
    const out: Counts[] = [];
    for (let minute = current - count + 1; minute <= current; minute++) {
      const i = ((minute % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
      out.push(this.minutes[i] === minute ? { ...this.slots[i]! } : zeroCounts());
    }
    return out;
  }

  /** The sum over the last `count` minutes. */
  sum(count: number, now: number): Counts {
    return this.last(count, now).reduce(addCounts, zeroCounts());
  }
}
