// [prefetch]: background downloads that complete cached images and keep tags warm.
import * as v from "valibot";
import { rate } from "./fields.ts";

export const prefetchSection = v.strictObject({
  /** Parallel blob downloads. Default 4. */
  concurrency: v.optional(v.pipe(v.number("expected a number"), v.integer("expected a whole number"), v.minValue(1, "expected at least 1"), v.maxValue(64, "expected at most 64")), 4),
  /** Bandwidth cap for background downloads, e.g. "20MiB/s". Default "": unlimited. */
  max_bandwidth: v.optional(v.union([v.literal(""), rate()], `expected a rate like "20MiB/s"`), ""),
});
