import { expect, test } from "vitest";
import { batchedWriter } from "./batched-writer.ts";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

test("lines of one turn leave in one write, in order", async () => {
  const writes: string[] = [];
  const out = batchedWriter((chunk) => writes.push(chunk));
  out.write("a\n");
  out.write("b\n");
  expect(writes).toEqual([]);
  await nextTurn();
  out.write("c\n");
  await nextTurn();
  expect(writes).toEqual(["a\nb\n", "c\n"]);
});

test("flush writes what is pending at once, and nothing twice", async () => {
  const writes: string[] = [];
  const out = batchedWriter((chunk) => writes.push(chunk));
  out.write("last words\n");
  out.flush();
  expect(writes).toEqual(["last words\n"]);
  await nextTurn();
  out.flush();
  expect(writes).toEqual(["last words\n"]);
});
