// The tar writer and reader against each other and against GNU tar, whose
// archives (pax headers, ./ prefixes) an operator may hand to `regcache import`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { END_BYTES, entryBytes, header, padding, readSmall, TarFormatError, TarReader } from "./tar.ts";

const dir = mkdtempSync(join(tmpdir(), "regcache-tar-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stream that hands out `bytes` in chunks of `size`, so entries straddle chunk edges. */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.byteLength) return c.close();
      c.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

function archive(files: Record<string, Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [name, body] of Object.entries(files)) parts.push(header(name, body.byteLength), body, padding(body.byteLength));
  parts.push(new Uint8Array(END_BYTES));
  return Buffer.concat(parts);
}

async function readAll(source: ReadableStream<Uint8Array>): Promise<Record<string, string>> {
  const tar = new TarReader(source);
  const out: Record<string, string> = {};
  for (let e = await tar.next(); e; e = await tar.next()) {
    if (e.type === "file") out[e.name] = Buffer.from(await readSmall(e, 1 << 20)).toString();
    else await TarReader.skip(e);
  }
  return out;
}

describe("tar", () => {
  const files = { "oci-layout": new TextEncoder().encode("{}"), "blobs/sha256/ab": new Uint8Array(1000).fill(65), empty: new Uint8Array(0), "index.json": new TextEncoder().encode("[]") };

  test("what the writer writes, the reader reads, at any chunk size; the length is predicted", async () => {
    const bytes = archive(files);
    expect(bytes.byteLength).toBe(Object.values(files).reduce((n, b) => n + entryBytes(b.byteLength), END_BYTES));
    for (const size of [1, 7, 512, 100_000]) {
      expect(await readAll(chunked(bytes, size))).toEqual({ "oci-layout": "{}", "blobs/sha256/ab": "A".repeat(1000), empty: "", "index.json": "[]" });
    }
  });

  test("GNU tar reads ours, and we read GNU tar's (pax format, ./ prefixes, folders)", async () => {
    writeFileSync(join(dir, "ours.tar"), archive(files));
    expect(execFileSync("tar", ["-tf", join(dir, "ours.tar")]).toString().trim().split("\n")).toEqual(Object.keys(files));
    const src = join(dir, "src");
    mkdirSync(join(src, "blobs", "sha256"), { recursive: true });
    writeFileSync(join(src, "index.json"), "{\"x\":1}");
    writeFileSync(join(src, "blobs", "sha256", "cd"), "B".repeat(3000));
    execFileSync("tar", ["--format=pax", "-cf", join(dir, "gnu.tar"), "-C", src, "."]);
    expect(await readAll(chunked(readFileSync(join(dir, "gnu.tar")), 333))).toEqual({ "index.json": "{\"x\":1}", "blobs/sha256/cd": "B".repeat(3000) });
  });

  test("an archive cut short, or a damaged header, is a TarFormatError", async () => {
    const bytes = archive(files);
    await expect(readAll(chunked(bytes.subarray(0, 1200), 100))).rejects.toThrow(TarFormatError);
    const bad = Buffer.from(bytes);
    bad[10] ^= 1;
    await expect(readAll(chunked(bad, 512))).rejects.toThrow(/checksum/);
  });
});
