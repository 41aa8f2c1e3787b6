// A bundle as a folder instead of a tar file: extracting the export stream
// into one (--out DIR), and streaming one as a tar (import DIR), index.json
// last as in the files regcache writes.
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, stat } from "node:fs/promises";
import { dirname, join, normalize } from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { digestOfName } from "./layout.ts";
import { END_BYTES, entryBytes, header, padding, TarReader } from "./tar.ts";

/** Writes the entries of a tar stream under `dir` (only layout paths; anything else is refused). */
export async function extractLayout(source: ReadableStream<Uint8Array>, dir: string): Promise<void> {
  const tar = new TarReader(source);
  for (let entry = await tar.next(); entry; entry = await tar.next()) {
    const ok = entry.name === "oci-layout" || entry.name === "index.json" || digestOfName(entry.name) !== undefined;
    if (entry.type !== "file" || !ok || normalize(entry.name) !== entry.name) {
      await TarReader.skip(entry);
      continue;
    }
    const path = join(dir, entry.name);
    await mkdir(dirname(path), { recursive: true });
    // Renamed into place once whole, so an interrupted export leaves no truncated blob under its digest.
    await pipeline(Readable.fromWeb(entry.body as never), createWriteStream(`${path}.partial`));
    await rename(`${path}.partial`, path);
  }
}

/** The files of a layout folder, in the order a tar of it gets them. */
async function layoutFiles(dir: string): Promise<{ name: string; size: number }[]> {
  const files: { name: string; size: number }[] = [];
  const add = async (name: string) => files.push({ name, size: (await stat(join(dir, name))).size });
  await add("oci-layout").catch(() => {});
  for (const alg of await readdir(join(dir, "blobs")).catch(() => [] as string[])) {
    for (const hex of await readdir(join(dir, "blobs", alg))) if (digestOfName(`blobs/${alg}/${hex}`)) await add(`blobs/${alg}/${hex}`);
  }
  await add("index.json");
  return files;
}

/** A layout folder as a tar stream, and its length. */
export async function tarLayout(dir: string): Promise<{ length: number; body: ReadableStream<Uint8Array> }> {
  const files = await layoutFiles(dir);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (const f of files) {
      yield header(f.name, f.size);
      for await (const chunk of createReadStream(join(dir, f.name), { highWaterMark: 1 << 20 })) yield new Uint8Array(chunk as Buffer);
      yield padding(f.size);
    }
    yield new Uint8Array(END_BYTES);
  }
  const length = files.reduce((n, f) => n + entryBytes(f.size), END_BYTES);
  return { length, body: Readable.toWeb(Readable.from(chunks())) as unknown as ReadableStream<Uint8Array> };
}
