import { describe, expect, test } from "vitest";
import { parseConfigText } from "../config/load.ts";
import { matchesPlatform, platformPolicy } from "./platforms.ts";

describe("matchesPlatform", () => {
  test("empty wants everything, even children without a platform", () => {
    expect(matchesPlatform("linux/arm64", [])).toBe(true);
    expect(matchesPlatform(null, [])).toBe(true);
  });
  test("exact, and any variant of a platform named without one", () => {
    expect(matchesPlatform("linux/amd64", ["linux/amd64"])).toBe(true);
    expect(matchesPlatform("linux/arm/v7", ["linux/arm"])).toBe(true);
    expect(matchesPlatform("linux/arm64", ["linux/arm"])).toBe(false);
    expect(matchesPlatform("linux/arm/v6", ["linux/arm/v7"])).toBe(false);
    expect(matchesPlatform("unknown/unknown", ["linux/amd64"])).toBe(false);
    expect(matchesPlatform(null, ["linux/amd64"])).toBe(false);
  });
});

describe("platformPolicy", () => {
  test("an image's platforms win for its repository; else the upstream's", () => {
    const config = parseConfigText(
      `[[upstream]]\nname = "hub"\nurl = "https://hub.example"\nplatforms = ["linux/amd64"]\n[[prefetch.image]]\nref = "hub/library/nginx:1"\nschedule = "0 3 * * *"\nplatforms = ["linux/arm64"]\n[[prefetch.image]]\nref = "hub/library/nginx:2"\nschedule = "0 3 * * *"\nplatforms = ["linux/s390x"]\n`,
      "x",
    );
    const p = platformPolicy(config);
    expect([...p("hub", "hub/library/nginx")].sort()).toEqual(["linux/arm64", "linux/s390x"]);
    expect(p("hub", "hub/library/redis")).toEqual(["linux/amd64"]);
    expect(p("other", "other/x")).toEqual([]);
  });
});
