// [storage] keys of the disk lifecycle (issue 11): how big the store may grow,
// how much of the file system stays free, what eviction brings it down to, and
// when garbage collection runs. Sizes are bytes after parsing; a percentage
// stays a fraction, resolved against max_size or the file system at run time.
//
//   [storage]
//   max_size = "200GiB"      # "0": no quota
//   min_free = "5GiB"        # or "5%" of the file system; "auto": the smaller of 5GiB and 5%
//   low_water = "90%"        # eviction stops here: a size, or a percentage of max_size
//   unused_after = "90d"     # "": never evict only for being unused
//   gc_grace = "1h"
//   gc_schedule = "0 * * * *"
import * as v from "valibot";
import { optionalCron } from "./cron.ts";
import { parseDuration, parseSize } from "./units.ts";

const show = (x: unknown) => JSON.stringify(x);

/** A size, or a share of something ("90%") kept as a fraction. */
export type SizeOrShare = { bytes: number } | { share: number };

function parseShare(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return n > 0 && n <= 100 ? n / 100 : undefined;
}

const sizeOrShare = (example: string, zeroOk: boolean) =>
  v.pipe(
    v.string(`expected a size like "5GiB" or a percentage like ${show(example)}`),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const text = dataset.value.trim();
      if (zeroOk && text === "0") return { bytes: 0 } as SizeOrShare;
      const share = parseShare(text);
      if (share !== undefined) return { share } as SizeOrShare;
      const bytes = parseSize(text);
      if (bytes !== undefined) return { bytes } as SizeOrShare;
      addIssue({ message: `expected a size like "5GiB" or a percentage like ${show(example)} (1-100%), got ${show(dataset.value)}` });
      return NEVER;
    }),
  );

/** "0" (none) or a size; bytes. */
const quotaSize = () =>
  v.pipe(
    v.string(`expected a size like "200GiB" or "0" (no limit)`),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const text = dataset.value.trim();
      const bytes = text === "0" ? 0 : parseSize(text);
      if (bytes === undefined) {
        addIssue({ message: `expected a size like "200GiB" or "0" (no limit), got ${show(dataset.value)}` });
        return NEVER;
      }
      return bytes;
    }),
  );

/** "" (off) or a duration; milliseconds, 0 for off. */
const optionalDuration = (example: string) =>
  v.pipe(
    v.string(`expected a duration like ${show(example)} or "" (off)`),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const text = dataset.value.trim();
      const ms = text === "" ? 0 : parseDuration(text);
      if (ms === undefined) {
        addIssue({ message: `expected a duration like ${show(example)} or "" (off), got ${show(dataset.value)}` });
        return NEVER;
      }
      return ms;
    }),
  );

const gcGrace = () =>
  v.pipe(
    v.string(`expected a duration like "1h"`),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const ms = parseDuration(dataset.value);
      if (ms === undefined) {
        addIssue({ message: `expected a duration like "1h", got ${show(dataset.value)}` });
        return NEVER;
      }
      return ms;
    }),
  );

const minFree = () =>
  v.union([v.pipe(v.literal("auto"), v.transform(() => "auto" as const)), sizeOrShare("5%", true)], (i) => `expected "auto", a size like "5GiB" or a percentage like "5%", got ${show(i.input)}`);

export const storageLifecycleKeys = {
  /** Largest the store may grow (blobs, uploads and downloads in progress; the SQLite files
   *  do not count). A write that would pass it evicts first. Default "0": no limit. */
  max_size: v.optional(quotaSize(), "0"),
  /** Free space the file system keeps: a size, a percentage of the file system, or "auto"
   *  (the smaller of 5GiB and 5%). A write that would go below it evicts first; "0": none.
   *  Default "auto". */
  min_free: v.optional(minFree(), "auto"),
  /** Where eviction stops once started: a size, or a percentage of max_size. Without
   *  max_size, a percentage p makes eviction free min_free × (2 − p). Default "90%". */
  low_water: v.optional(sizeOrShare("90%", false), "90%"),
  /** Cached images not pulled for this long are evicted even below the quota, e.g. "90d".
   *  Default "": never for that reason alone. */
  unused_after: v.optional(optionalDuration("90d"), ""),
  /** Unreferenced blobs younger than this survive garbage collection (a blob pushed just
   *  before its manifest). Default "1h". */
  gc_grace: v.optional(gcGrace(), "1h"),
  /** When garbage collection runs (cron). It also runs when a write crosses the quota.
   *  Default "0 * * * *" (hourly); "" only then. */
  gc_schedule: v.optional(optionalCron(), "0 * * * *"),
  /** Record each manifest GET (last pulled time, pull count) for eviction order and `du`.
   *  Default true; false: eviction goes by the time an image was stored. */
  record_pulls: v.optional(v.boolean("expected true or false"), true),
};

/** An absolute low_water at or above max_size, as an error message naming the key. */
export function lowWaterBelowMaxSize(s: { max_size: number; low_water: SizeOrShare }): string | undefined {
  if ("bytes" in s.low_water && s.max_size > 0 && s.low_water.bytes >= s.max_size) return `storage.low_water: must be below storage.max_size (${s.low_water.bytes} >= ${s.max_size} bytes)`;
  return undefined;
}
