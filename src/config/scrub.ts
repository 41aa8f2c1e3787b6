// The scrub's keys of [storage] (issue 11): how often stored blobs are re-hashed and how
// fast. Kept in their own file and spread into the storage section of schema.ts.
//
//   [storage]
//   scrub_schedule = "0 4 * * 0"   # Sundays at 04:00
//   scrub_rate = "50MiB/s"
import * as v from "valibot";
import { optionalCron } from "./cron.ts";
import { rate } from "./fields.ts";

export const scrubKeys = {
  /** When the scrub re-hashes every stored blob: a cron expression. Default "0 4 * * 0"
   *  (weekly, Sundays at 04:00); "" never (`regcache scrub` still runs one by hand). */
  scrub_schedule: v.optional(optionalCron(), "0 4 * * 0"),
  /** How fast the scrub reads blobs from disk, so that it never starves pulls of disk
   *  bandwidth. Default "50MiB/s"; must be above zero. */
  scrub_rate: v.optional(v.pipe(rate(), v.minValue(1, `expected a rate above zero like "50MiB/s"`)), "50MiB/s"),
};
