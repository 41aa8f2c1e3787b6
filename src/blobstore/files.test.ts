// pipeToFile with writers that keep several chunks in flight (the writer thread's sinks):
// the chunks reach onChunk in order, with the bytes the writer handed back, however the
// writes finish; at most `depth` are in flight; a failed write rejects only after every
// write still in flight has ended, so the caller never removes a file being written.
import { expect, test } from "vitest";
import type { ChunkWriter } from "./files.ts";
import { pipeToFile } from "./files.ts";

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]!);
      else c.close();
    },
  });
}

/** A writer whose writes finish when the test says, in any order. */
function manualWriter(depth: number) {
  const writes: { chunk: Uint8Array; finish: (back: Uint8Array) => void; fail: (e: Error) => void; ended: boolean }[] = [];
  let maxInFlight = 0;
  let arrived: (() => void) | undefined;
  const writer: ChunkWriter = {
    depth,
    write(chunk) {
      return new Promise<Uint8Array>((resolve, reject) => {
        const w = {
          chunk,
          ended: false,
          finish: (back: Uint8Array) => ((w.ended = true), resolve(back)),
          fail: (e: Error) => ((w.ended = true), reject(e)),
        };
        writes.push(w);
        maxInFlight = Math.max(maxInFlight, writes.filter((x) => !x.ended).length);
        arrived?.();
      });
    },
  };
  const count = async (n: number) => {
    while (writes.length < n) await new Promise<void>((r) => (arrived = r));
  };
  return { writer, writes, count, maxInFlight: () => maxInFlight };
}

const chunk = (n: number) => new Uint8Array([n]);

test("onChunk sees the chunks in order, as handed back, though the writes finish out of order", async () => {
  const m = manualWriter(3);
  const seen: number[] = [];
  const piping = pipeToFile(streamOf([1, 2, 3, 4, 5].map(chunk)), m.writer, { onChunk: (c) => seen.push(c![0]!) });
  await m.count(3);
  expect(m.writes.length).toBe(3); // depth 3: the fourth waits
  m.writes[2]!.finish(chunk(30));
  m.writes[1]!.finish(chunk(20));
  await new Promise((r) => setTimeout(r, 10));
  expect(seen).toEqual([]); // the first is not written yet
  m.writes[0]!.finish(chunk(10));
  await m.count(5);
  m.writes[4]!.finish(chunk(50));
  m.writes[3]!.finish(chunk(40));
  expect(await piping).toBe(5);
  expect(seen).toEqual([10, 20, 30, 40, 50]);
  expect(m.maxInFlight()).toBe(3);
});

test("a failed write rejects once the writes still in flight have ended", async () => {
  const m = manualWriter(3);
  let settled = false;
  const piping = pipeToFile(streamOf([1, 2, 3, 4].map(chunk)), m.writer).finally(() => (settled = true));
  piping.catch(() => {});
  await m.count(3);
  m.writes[0]!.fail(new Error("EIO"));
  await new Promise((r) => setTimeout(r, 10));
  expect(settled).toBe(false); // writes 2 and 3 are still on their way to the file
  m.writes[1]!.finish(chunk(2));
  m.writes[2]!.finish(chunk(3));
  await expect(piping).rejects.toThrow("EIO");
  expect(m.writes.length).toBe(3); // nothing was written after the failure was seen
});

test("keep is asked as each chunk goes to the writer; onChunk gets the count when the bytes were not kept", async () => {
  const asked: boolean[] = [];
  let keep = true;
  const writer: ChunkWriter = {
    depth: 2,
    async write(c, k) {
      asked.push(k!);
      return k ? c : undefined;
    },
  };
  const seen: [number | undefined, number][] = [];
  const source = new ReadableStream<Uint8Array>({
    pull(c) {
      if (asked.length === 0) c.enqueue(new Uint8Array([1, 1]));
      else if (asked.length === 1) c.enqueue(new Uint8Array([2, 2, 2]));
      else c.close();
      keep = !keep;
    },
  });
  expect(await pipeToFile(source, writer, { keep: () => keep, onChunk: (c, n) => seen.push([c?.[0], n]) })).toBe(5);
  expect(asked).toEqual([false, true]);
  expect(seen).toEqual([[undefined, 2], [2, 3]]);
});
