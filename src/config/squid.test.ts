import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { QUAY_CDN_PATTERN, defaultSquidSettings, squidSection } from "./squid.ts";

const issues = (input: unknown) => {
  const r = v.safeParse(squidSection, input);
  return r.success ? [] : r.issues.map((i) => `${v.getDotPath(i) ?? ""}: ${i.message}`);
};

describe("[squid] section", () => {
  it("has safe defaults for every key", () => {
    expect(defaultSquidSettings).toMatchObject({
      listen: { hostname: "0.0.0.0", port: 3128 },
      cdn_url_patterns: [QUAY_CDN_PATTERN],
      maximum_object_size: 8 * 1024 ** 3,
      blob_max_age: 365 * 86_400_000,
      probe_timeout: 10_000,
      icap_listen: { hostname: "127.0.0.1", port: 1344 },
      cache_type: "aufs",
      icap_bypass: false,
      cache_effective_user: "proxy",
      maximum_object_size_in_memory: 32 * 1024 ** 2,
    });
  });
  it("keeps an empty allow-list empty", () => {
    expect(v.parse(squidSection, { cdn_url_patterns: [] }).cdn_url_patterns).toEqual([]);
  });
  it("names the key of a bad value", () => {
    expect(issues({ maximum_object_size: "8 gigs" })[0]).toMatch(/^maximum_object_size: expected a size/);
    expect(issues({ cdn_url_patterns: ["(unclosed"] })[0]).toMatch(/^cdn_url_patterns\.0: expected a valid regular expression/);
    expect(issues({ cdn_url_patterns: ["a b"] })[0]).toMatch(/must not contain spaces/);
    expect(issues({ cache_dir: "/var/spool/my squid" })[0]).toMatch(/^cache_dir: /);
    expect(issues({ cache_type: "ufs" })[0]).toMatch(/^cache_type: expected "aufs" or "rock"/);
    expect(issues({ probe_timeout: "0s" })[0]).toMatch(/^probe_timeout: /);
    expect(issues({ cache_swap_low: 96 })[0]).toMatch(/cache_swap_low must be below cache_swap_high/);
  });
  it("rejects unknown keys", () => {
    expect(issues({ cdn_pattern: "x" })[0]).toMatch(/cdn_pattern/);
  });
});
