// Progress of `regcache export` and `regcache import`: one cli-progress bar of
// bytes on a terminal, plain lines (start, each tenth, end) anywhere else, so
// logs and CI stay free of control characters.
import { SingleBar } from "cli-progress";
import { formatBytes } from "./bytes.ts";

export interface BundleView {
  add(bytes: number): void;
  finish(summary: string): void;
}

export function bundleView(out: NodeJS.WritableStream, tty: boolean, label: string, total: number): BundleView {
  let done = 0;
  if (tty) {
    const bar = new SingleBar({
      stream: out,
      format: `${label} [{bar}] {percentage}% | {done} / {all}`,
      barCompleteChar: "█",
      barIncompleteChar: "░",
      barsize: 30,
      hideCursor: true,
      forceRedraw: true,
    });
    bar.start(total, 0, { done: formatBytes(0), all: formatBytes(total) });
    return {
      add(bytes) {
        done += bytes;
        bar.update(Math.min(done, total), { done: formatBytes(done) });
      },
      finish(summary) {
        bar.update(total, { done: formatBytes(done) });
        bar.stop();
        out.write(`${summary}\n`);
      },
    };
  }
  out.write(`${label}: ${formatBytes(total)}\n`);
  let tenth = 0;
  return {
    add(bytes) {
      done += bytes;
      const now = total ? Math.floor((done / total) * 10) : 0;
      if (now > tenth && now < 10) out.write(`${label}: ${now * 10}% (${formatBytes(done)})\n`);
      tenth = Math.max(tenth, now);
    },
    finish(summary) {
      out.write(`${summary}\n`);
    },
  };
}

/** A stream that counts what passes through it. */
export function counting(source: ReadableStream<Uint8Array>, onBytes: (n: number) => void): ReadableStream<Uint8Array> {
  return source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        onBytes(chunk.byteLength);
        controller.enqueue(chunk);
      },
    }),
  );
}

/** References from an --images file: one a line; blank lines and # comments ignored. */
export async function readImageList(path: string): Promise<string[]> {
  const { readFile } = await import("node:fs/promises");
  return (await readFile(path, "utf8")).split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean);
}
