import { describe, expect, test } from "vitest";
import { parseConfigText } from "./load.ts";
import { configError } from "../../test/helpers/config-error.ts";

const UP = `[[upstream]]\nname = "docker.io"\nurl = "https://registry-1.docker.io"\n`;

const err = configError;

describe("[prefetch]", () => {
  test("defaults", () => {
    const c = parseConfigText(UP, "x");
    expect(c.prefetch).toMatchObject({ concurrency: 4, max_bandwidth: "", complete_on_pull: true, pull_delay: 2000, sweep: "*/10 * * * *", retry_backoff: 10_000, max_retry_backoff: 3_600_000, max_attempts: 10, image: [] });
  });
  test("images by tag and by tag pattern, with seconds-precision schedules", () => {
    const c = parseConfigText(
      `${UP}[prefetch]\nsweep = ""\nmax_bandwidth = "20MiB/s"\n[[prefetch.image]]\nref = "docker.io/library/nginx:1.27"\nschedule = "0 3 * * *"\nplatforms = ["linux/amd64"]\n[[prefetch.image]]\nref = "docker.io/library/nginx"\ntags = "^1\\\\.27\\\\."\nschedule = "*/30 * * * * *"\n`,
      "x",
    );
    expect(c.prefetch.max_bandwidth).toBe(20 * 1024 * 1024);
    expect(c.prefetch.image[0]).toEqual({ ref: "docker.io/library/nginx:1.27", schedule: "0 3 * * *", platforms: ["linux/amd64"], tags: "", max_tags: 10 });
    expect(c.prefetch.image[1]!.tags).toBe("^1\\.27\\.");
  });
  test("a bad cron expression names its key", () => {
    expect(err(`${UP}[prefetch]\nsweep = "every minute"\n`)).toBe(`regcache.toml: prefetch.sweep: expected a cron expression like "*/10 * * * *" or "" (off), got "every minute"`);
    expect(err(`${UP}[[prefetch.image]]\nref = "docker.io/a:1"\nschedule = "61 * * * *"\n`)).toMatch(/^regcache.toml: prefetch.image\[0\].schedule: expected a cron expression/);
  });
  test("bad refs name their key", () => {
    expect(err(`${UP}[[prefetch.image]]\nref = "Docker.io/A"\nschedule = "0 3 * * *"\n`)).toMatch(/^regcache.toml: prefetch.image\[0\].ref: expected a reference like/);
    expect(err(`${UP}[[prefetch.image]]\nref = "docker.io/library/nginx"\nschedule = "0 3 * * *"\n`)).toMatch(/^regcache.toml: prefetch.image\[0\].ref: expected a tag or digest/);
    expect(err(`${UP}[[prefetch.image]]\nref = "docker.io/library/nginx:1"\ntags = "^1"\nschedule = "0 3 * * *"\n`)).toMatch(/^regcache.toml: prefetch.image\[0\].ref: with `tags`, name the repository only/);
    expect(err(`${UP}[[prefetch.image]]\nref = "ghcr.io/x/y:1"\nschedule = "0 3 * * *"\n`)).toMatch(/^regcache.toml: prefetch.image\[0\].ref: "ghcr.io" names no \[\[upstream\]\]/);
    expect(err(`${UP}[[prefetch.image]]\nref = "docker.io/x"\ntags = "(("\nschedule = "0 3 * * *"\n`)).toMatch(/^regcache.toml: prefetch.image\[0\].tags: expected a valid regular expression/);
  });
  test("unknown keys in an image table are errors", () => {
    expect(err(`${UP}[[prefetch.image]]\nref = "docker.io/x:1"\nschedule = "0 3 * * *"\nplatform = "linux/amd64"\n`)).toBe("regcache.toml: prefetch.image[0].platform: unknown key");
  });
});
