// [storage] scrub_schedule and scrub_rate: defaults, and errors that name the key.
import { describe, expect, test } from "vitest";
import { configError as err } from "../../test/helpers/config-error.ts";
import { parseConfigText } from "./load.ts";

describe("scrub keys", () => {
  test("defaults: weekly, 50 MiB/s", () => {
    const c = parseConfigText("", "x");
    expect(c.storage.scrub_schedule).toBe("0 4 * * 0");
    expect(c.storage.scrub_rate).toBe(50 * 1024 * 1024);
  });
  test("\"\" turns the schedule off; a rate is a size per second", () => {
    const c = parseConfigText(`[storage]\nscrub_schedule = ""\nscrub_rate = "5MiB/s"\n`, "x");
    expect(c.storage.scrub_schedule).toBe("");
    expect(c.storage.scrub_rate).toBe(5 * 1024 * 1024);
  });
  test("bad values name the key", () => {
    expect(err(`[storage]\nscrub_schedule = "weekly"\n`)).toMatch(/storage\.scrub_schedule: expected a cron expression like "\*\/10 \* \* \* \*" or "" \(off\), got "weekly"/);
    expect(err(`[storage]\nscrub_rate = "50MiB"\n`)).toMatch(/storage\.scrub_rate: expected a rate like "20MiB\/s", got "50MiB"/);
    expect(err(`[storage]\nscrub_rate = "0MiB/s"\n`)).toMatch(/storage\.scrub_rate: expected a rate above zero like "50MiB\/s"/);
  });
});
