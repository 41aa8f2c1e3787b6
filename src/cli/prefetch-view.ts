// How `regcache prefetch` shows progress. On a terminal: cli-progress bars,
// one per image (overall bytes) and one per blob while it downloads. Anywhere
// else (logs, CI, pipes): plain lines, one per event, no control characters.
import { MultiBar, type SingleBar } from "cli-progress";
import type { ImageProgress, PullProgress } from "../prefetch/pulls.ts";
import { formatBytes } from "./bytes.ts";

export interface PrefetchView {
  update(p: PullProgress): void;
  /** Draws the final state and prints the summary line. */
  finish(p: PullProgress, summary: string): void;
}

const short = (digest: string) => digest.replace(/^(sha\d+:)(.{12}).*$/, "$1$2");

export class PlainView implements PrefetchView {
  private readonly states = new Map<number, string>();
  /** Per image, the blobs already reported (or cached when it resolved). */
  private readonly reported = new Map<number, Set<string>>();

  constructor(private readonly out: NodeJS.WritableStream) {}

  update(p: PullProgress): void {
    p.images.forEach((image, i) => this.image(i, image));
  }

  finish(p: PullProgress, summary: string): void {
    this.update(p);
    this.out.write(`${summary}\n`);
  }

  private image(i: number, image: ImageProgress): void {
    let seen = this.reported.get(i);
    if (image.digest && !seen) {
      seen = new Set(image.blobs.filter((b) => b.cached).map((b) => b.digest));
      this.reported.set(i, seen);
      const cached = image.cached_bytes;
      this.out.write(`${image.ref}: ${image.digest}: ${image.blobs.length} blobs, ${formatBytes(image.total_bytes)} (${formatBytes(cached)} already cached)\n`);
    }
    for (const b of image.blobs) {
      if (!b.done || !seen || seen.has(b.digest)) continue;
      seen.add(b.digest);
      this.out.write(`${image.ref}: blob ${short(b.digest)} ${formatBytes(b.size)} done\n`);
    }
    if (this.states.get(i) !== image.state) {
      if (image.state === "complete") this.out.write(`${image.ref}: complete\n`);
      if (image.state === "failed") this.out.write(`${image.ref}: failed: ${image.error ?? "unknown error"}\n`);
      this.states.set(i, image.state);
    }
  }
}

export class TtyView implements PrefetchView {
  private readonly bars: MultiBar;
  private readonly imageBars = new Map<number, SingleBar>();
  private readonly blobBars = new Map<string, SingleBar>();
  private readonly reported = new Set<number>();

  constructor(private readonly stream: NodeJS.WritableStream) {
    this.bars = new MultiBar(
      { stream: stream as NodeJS.WriteStream, format: "{label} [{bar}] {percentage}% | {bytes}", barsize: 30, hideCursor: true, clearOnComplete: false, autopadding: true, fps: 10 },
      { format: "", barCompleteChar: "█", barIncompleteChar: "░" },
    );
  }

  update(p: PullProgress): void {
    p.images.forEach((image, i) => {
      const total = Math.max(1, image.total_bytes);
      const label = `${mark(image.state)} ${image.ref}`;
      const payload = { label, bytes: image.state === "resolving" ? "resolving" : `${formatBytes(image.fetched_bytes)} / ${formatBytes(image.total_bytes)}` };
      let bar = this.imageBars.get(i);
      if (!bar) {
        bar = this.bars.create(total, 0, payload);
        this.imageBars.set(i, bar);
      }
      bar.setTotal(total);
      bar.update(image.state === "complete" ? total : image.fetched_bytes, payload);
      if (image.state === "failed" && !this.reported.has(i)) {
        this.reported.add(i);
        this.bars.log(`${image.ref}: failed: ${image.error ?? "unknown error"}\n`);
      }
      for (const b of image.blobs) this.blob(b.digest, b.size, b.fetched, b.done || image.state !== "fetching");
    });
  }

  finish(p: PullProgress, summary: string): void {
    this.update(p);
    for (const [digest, bar] of this.blobBars) {
      this.bars.remove(bar);
      this.blobBars.delete(digest);
    }
    this.bars.update();
    this.bars.stop();
    this.stream.write(`${summary}\n`);
  }

  private blob(digest: string, size: number, fetched: number, finished: boolean): void {
    const bar = this.blobBars.get(digest);
    if (finished) {
      if (bar) {
        this.bars.remove(bar);
        this.blobBars.delete(digest);
      }
      return;
    }
    if (fetched === 0 && !bar) return; // not started: no bar yet, keeps the screen short
    const payload = { label: `    ${short(digest)}`, bytes: `${formatBytes(fetched)} / ${formatBytes(size)}` };
    if (bar) bar.update(fetched, payload);
    else this.blobBars.set(digest, this.bars.create(Math.max(1, size), fetched, payload));
  }
}

function mark(state: ImageProgress["state"]): string {
  return state === "complete" ? "✔" : state === "failed" ? "✘" : "…";
}
