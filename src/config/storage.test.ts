import { describe, expect, test } from "vitest";
import { parseConfigText } from "./load.ts";
import { configError as err } from "../../test/helpers/config-error.ts";
import { resolveLimits } from "../lifecycle/limits.ts";

const GIB = 1024 ** 3;

describe("[storage] disk lifecycle keys", () => {
  test("defaults: no quota, min_free auto, low_water 90%, hourly GC with 1h grace, unused_after off, pulls recorded", () => {
    const s = parseConfigText("", "x").storage;
    expect(s).toMatchObject({ max_size: 0, min_free: "auto", low_water: { share: 0.9 }, gc_grace: 3_600_000, gc_schedule: "0 * * * *", unused_after: 0, record_pulls: true });
  });
  test("sizes, percentages and durations parse", () => {
    const s = parseConfigText(`[storage]\nmax_size = "10GiB"\nmin_free = "5%"\nlow_water = "8GiB"\nunused_after = "90d"\ngc_grace = "10m"\ngc_schedule = ""\n`, "x").storage;
    expect(s).toMatchObject({ max_size: 10 * GIB, min_free: { share: 0.05 }, low_water: { bytes: 8 * GIB }, unused_after: 90 * 86_400_000, gc_grace: 600_000, gc_schedule: "" });
  });
  test("bad values name the key", () => {
    expect(err(`[storage]\nmax_size = "lots"\n`)).toMatch(/storage\.max_size: expected a size like "200GiB" or "0"/);
    expect(err(`[storage]\nmin_free = "200%"\n`)).toMatch(/storage\.min_free: expected "auto", a size/);
    expect(err(`[storage]\nlow_water = "0"\n`)).toMatch(/storage\.low_water: expected a size/);
    expect(err(`[storage]\nmax_size = "1GiB"\nlow_water = "2GiB"\n`)).toMatch(/storage\.low_water: must be below storage\.max_size/);
    expect(err(`[storage]\ngc_schedule = "hourly"\n`)).toMatch(/storage\.gc_schedule: expected a cron expression/);
    expect(err(`[storage]\nunused_after = "soon"\n`)).toMatch(/storage\.unused_after: expected a duration/);
    expect(err(`[storage]\ngc_grace = ""\n`)).toMatch(/storage\.gc_grace: expected a duration/);
    expect(err(`[storage]\nrecord_pulls = "yes"\n`)).toMatch(/storage\.record_pulls: expected true or false/);
  });
  test("min_free auto is the smaller of 5GiB and 5% of the file system; low_water resolves against max_size", () => {
    expect(resolveLimits({ max_size: 0, min_free: "auto", low_water: { share: 0.9 } }, 1000 * GIB).minFreeBytes).toBe(5 * GIB);
    expect(resolveLimits({ max_size: 0, min_free: "auto", low_water: { share: 0.9 } }, 20 * GIB).minFreeBytes).toBe(GIB);
    expect(resolveLimits({ max_size: 100, min_free: { bytes: 0 }, low_water: { share: 0.9 } }, GIB)).toMatchObject({ maxBytes: 100, lowBytes: 90, minFreeBytes: 0 });
    // Without max_size, eviction for free space goes 10% past min_free (for low_water 90%).
    expect(resolveLimits({ max_size: 0, min_free: { bytes: 1000 }, low_water: { share: 0.9 } }, GIB).targetFreeBytes).toBe(1100);
  });
});
