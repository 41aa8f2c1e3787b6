import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";
import type { ImageProgress, PullProgress } from "../prefetch/pulls.ts";
import { formatBytes } from "./bytes.ts";
import { summaryLine } from "./prefetch.ts";
import { PlainView } from "./prefetch-view.ts";

const D = (c: string) => `sha256:${c.repeat(64)}`;
const image = (over: Partial<ImageProgress>): ImageProgress => ({ ref: "hub/a:v1", state: "fetching", blobs: [], missing_manifests: 0, total_bytes: 0, fetched_bytes: 0, cached_bytes: 0, ...over });
const progress = (images: ImageProgress[], done = false): PullProgress => ({ id: "r", created: "", done, images });

describe("PlainView", () => {
  test("one line per event: resolved, each blob fetched (not the cached ones), complete or failed", () => {
    const out = new PassThrough();
    let text = "";
    out.on("data", (b) => (text += b));
    const view = new PlainView(out);
    const blobs = (doneB: boolean) => [
      { digest: D("a"), size: 2048, fetched: 2048, done: true, cached: true },
      { digest: D("b"), size: 100, fetched: doneB ? 100 : 10, done: doneB, cached: false },
    ];
    view.update(progress([image({ state: "resolving" }), image({ ref: "hub/b:v1", state: "resolving" })]));
    view.update(progress([image({ digest: D("f"), blobs: blobs(false), total_bytes: 2148, cached_bytes: 2048 }), image({ ref: "hub/b:v1", state: "failed", error: "upstream \"hub\" failed: http-404 (HTTP 404)" })]));
    view.update(progress([image({ digest: D("f"), state: "complete", blobs: blobs(true), total_bytes: 2148, cached_bytes: 2048 }), image({ ref: "hub/b:v1", state: "failed", error: "x" })], true));
    view.finish(progress([image({ digest: D("f"), state: "complete", blobs: blobs(true), total_bytes: 2148, cached_bytes: 2048 })], true), "summary");
    expect(text.split("\n")).toEqual([
      `hub/a:v1: ${D("f")}: 2 blobs, 2.1 KiB (2.0 KiB already cached)`,
      `hub/b:v1: failed: upstream "hub" failed: http-404 (HTTP 404)`,
      `hub/a:v1: blob sha256:bbbbbbbbbbbb 100 B done`,
      "hub/a:v1: complete",
      "summary",
      "",
    ]);
  });
});

describe("summaryLine and formatBytes", () => {
  test("says how many images are complete, the blobs, the size and what was downloaded now", () => {
    const ok = image({ state: "complete", blobs: [{ digest: D("a"), size: 1, fetched: 1, done: true, cached: false }], total_bytes: 3 * 1024 * 1024 });
    expect(summaryLine(progress([ok, ok], true), 1024 * 1024, 2345)).toBe("prefetched 2 of 2 image(s) completely: 2 blobs, 6.0 MiB, 1.0 MiB downloaded in 2.3 s");
    expect(summaryLine(progress([ok, image({ state: "failed" })], true), 0, 100)).toMatch(/^prefetch incomplete: 1 of 2 image\(s\) complete, 1 not: /);
    expect([0, 1023, 1024, 1536 * 1024, 5 * 1024 ** 3].map(formatBytes)).toEqual(["0 B", "1023 B", "1.0 KiB", "1.5 MiB", "5.0 GiB"]);
  });
});
