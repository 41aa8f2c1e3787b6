// A bundle as a folder instead of a tar file: extracting the export stream
// into one (--out DIR). Reading one back is layout-source.ts.
import { createWriteStream } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import { dirname, join, normalize } from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { digestOfName } from "./layout.ts";
import { TarReader } from "./tar.ts";

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
