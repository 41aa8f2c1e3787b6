import { describe, expect, test } from "vitest";
import type { UsageReport } from "../lifecycle/report.ts";
import type { GcRun } from "../lifecycle/service.ts";
import { renderUsage } from "./du.ts";
import { gcSummary } from "./gc.ts";

const MIB = 1024 * 1024;

const report: UsageReport = {
  store: { in_use: 2, used_bytes: 300 * MIB, blobs: 12, blob_bytes: 290 * MIB, manifests: 4, manifest_bytes: 8000, pinned_bytes: 100 * MIB, evictable_bytes: 180 * MIB, unreferenced_bytes: 10 * MIB },
  filesystem: { size_bytes: 1000 * MIB, free_bytes: 600 * MIB },
  quota: { max_size_bytes: 400 * MIB, low_water_bytes: 360 * MIB, min_free_bytes: 50 * MIB, target_free_bytes: 55 * MIB },
  upstreams: [{ name: "docker.io", bytes: 180 * MIB, pinned_bytes: 0, evictable_bytes: 180 * MIB, repositories: [{ name: "docker.io/library/nginx", images: 2, bytes: 180 * MIB, pinned_bytes: 0, evictable_bytes: 180 * MIB, last_pulled_at: "2026-12-03T10:00:00.000Z", pulls: 7 }] }],
  local: { bytes: 100 * MIB, repositories: [{ name: "myorg/app", images: 1, bytes: 100 * MIB, pinned_bytes: 100 * MIB, evictable_bytes: 0, last_pulled_at: null, pulls: 0 }] },
};

describe("regcache du", () => {
  test("prints the store, the quota, free space and each repository, pinned vs evictable", () => {
    const text = renderUsage(report);
    expect(text).toContain("store      300.0 MiB used, quota 400.0 MiB (evicts down to 360.0 MiB)");
    expect(text).toContain("100.0 MiB pinned, 180.0 MiB evictable, 10.0 MiB unreferenced (gc)");
    expect(text).toContain("2 digest(s) in use now");
    expect(text).toContain("filesystem 600.0 MiB free of 1000.0 MiB, keeps 50.0 MiB free (min_free)");
    expect(text).toMatch(/docker\.io \(upstream\) +180\.0 MiB +0 B +180\.0 MiB/);
    expect(text).toMatch(/docker\.io\/library\/nginx +180\.0 MiB .*2026-12-03T10:00:00\.000Z/);
    expect(text).toMatch(/myorg\/app +100\.0 MiB +100\.0 MiB +0 B +never/);
  });
  test("no quota reads as none", () => {
    expect(renderUsage({ ...report, quota: { ...report.quota, max_size_bytes: 0 } })).toContain("quota none");
  });
});

describe("regcache gc", () => {
  const run: GcRun = {
    id: "x",
    dry_run: false,
    trigger: "admin",
    state: "done",
    started_at: "",
    finished_at: "",
    progress: { scanned: 10, deleted: 3, bytes: 3 * MIB, leased: 1, swept: 1 },
    evicted: { images: ["up/a@sha256:1"], bytes: MIB },
    error: null,
  };
  test("says what it freed, what it kept in use, and what unused_after evicted", () => {
    expect(gcSummary(run)).toBe("gc done: freed 3.0 MiB in 3 unreferenced blob(s), 1 in use kept; evicted 1 image(s) unused for storage.unused_after (1.0 MiB)");
  });
  test("a dry run says what it would free", () => {
    expect(gcSummary({ ...run, dry_run: true, progress: { ...run.progress, leased: 0 }, evicted: { images: [], bytes: 0 } })).toBe("gc dry run done: would free 3.0 MiB in 3 unreferenced blob(s)");
  });
});
