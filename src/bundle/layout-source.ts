// A bundle on disk, tar file or folder, as a list of entries that can be read
// one by one without unpacking anything: a tar file is indexed by reading its
// 512-byte headers only (seeking past each body), a folder by listing it.
// import uses this to send only what the --images list needs.
import { createReadStream } from "node:fs";
import { open, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { parseManifest } from "../oci/manifest.ts";
import { BundleInvalid, digestOfName, parseIndex, REF_NAME } from "./layout.ts";
import { END_BYTES, entryBytes, header, padding, TarFormatError } from "./tar.ts";

export interface SourceEntry {
  name: string;
  size: number;
  /** The body's bytes from the bundle file. */
  read(): Readable;
}

async function tarEntries(path: string): Promise<SourceEntry[]> {
  const file = await open(path, "r");
  const out: SourceEntry[] = [];
  try {
    const total = (await file.stat()).size;
    const h = Buffer.alloc(512);
    for (let at = 0; at + 512 <= total; ) {
      await file.read(h, 0, 512, at);
      if (h.every((b) => b === 0)) break;
      const field = (o: number, n: number) => h.subarray(o, o + n).toString("latin1").replace(/\0.*$/s, "");
      const size = parseInt(field(124, 12).trim() || "0", 8);
      if (Number.isNaN(size)) throw new TarFormatError(`bad header at byte ${at}`);
      const prefix = field(345, 155);
      const name = ((prefix ? `${prefix}/` : "") + field(0, 100)).replace(/^\.\//, "");
      const type = field(156, 1);
      const start = at + 512;
      if (start + size > total) throw new TarFormatError("archive ends in the middle of an entry (interrupted copy?)");
      if (type === "0" || type === "") out.push({ name, size, read: () => createReadStream(path, { start, end: start + size - 1, highWaterMark: 1 << 20 }) });
      at = start + Math.ceil(size / 512) * 512;
    }
  } finally {
    await file.close();
  }
  return out;
}

async function dirEntries(dir: string): Promise<SourceEntry[]> {
  const names = ["oci-layout", "index.json"];
  for (const alg of await readdir(join(dir, "blobs")).catch(() => [] as string[])) {
    for (const hex of await readdir(join(dir, "blobs", alg))) if (digestOfName(`blobs/${alg}/${hex}`)) names.push(`blobs/${alg}/${hex}`);
  }
  const out: SourceEntry[] = [];
  for (const name of names) {
    const s = await stat(join(dir, name)).catch(() => undefined);
    if (s?.isFile()) out.push({ name, size: s.size, read: () => createReadStream(join(dir, name), { highWaterMark: 1 << 20 }) });
  }
  return out;
}

export async function openBundle(path: string): Promise<SourceEntry[]> {
  return (await stat(path)).isDirectory() ? dirEntries(path) : tarEntries(path);
}

const MAX_SMALL = 4 << 20;
async function small(e: SourceEntry): Promise<Buffer> {
  if (e.size > MAX_SMALL) throw new BundleInvalid(`${e.name} is ${e.size} bytes, too large for index.json or a manifest`);
  const parts: Buffer[] = [];
  for await (const chunk of e.read()) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/**
 * Only the entries the images named by `refs` need: their manifests, children
 * and blobs, and an index.json listing just them (with the bundle's other
 * annotations). A reference the bundle does not hold is BundleInvalid.
 */
export async function selectImages(entries: SourceEntry[], refs: readonly string[]): Promise<SourceEntry[]> {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const indexEntry = byName.get("index.json");
  if (!indexEntry) throw new BundleInvalid("no index.json (an interrupted copy?)");
  const bytes = await small(indexEntry);
  const index = parseIndex(bytes);
  const chosen = index.entries.filter((e) => refs.includes(e.annotations[REF_NAME] ?? ""));
  const unknown = refs.filter((r) => !chosen.some((e) => e.annotations[REF_NAME] === r));
  if (unknown.length) throw new BundleInvalid(`the bundle holds no ${unknown.join(", ")}`);
  const wanted = new Set<string>();
  const walk = async (digest: string) => {
    const name = `blobs/${digest.replace(":", "/")}`;
    if (wanted.has(name)) return;
    wanted.add(name);
    const e = byName.get(name);
    if (!e) return; // the server names what is missing
    let parsed;
    try {
      parsed = parseManifest(await small(e));
    } catch {
      return; // a damaged manifest: sent as it is, for the server to refuse and name
    }
    for (const child of parsed.manifests) await walk(child.digest);
    for (const b of parsed.blobs) wanted.add(`blobs/${b.digest.replace(":", "/")}`);
  };
  for (const e of chosen) await walk(e.digest);
  const trimmed = Buffer.from(JSON.stringify({ ...index.document, manifests: chosen }));
  const newIndex: SourceEntry = { name: "index.json", size: trimmed.byteLength, read: () => Readable.from([trimmed]) };
  return [...entries.filter((e) => e.name === "oci-layout" || wanted.has(e.name)), newIndex];
}

/** The entries as a tar stream (index.json last), and its length. */
export function tarOf(entries: SourceEntry[]): { length: number; body: ReadableStream<Uint8Array> } {
  const ordered = [...entries.filter((e) => e.name !== "index.json"), ...entries.filter((e) => e.name === "index.json")];
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (const e of ordered) {
      yield header(e.name, e.size);
      for await (const chunk of e.read()) yield new Uint8Array(chunk as Buffer);
      yield padding(e.size);
    }
    yield new Uint8Array(END_BYTES);
  }
  const length = ordered.reduce((n, e) => n + entryBytes(e.size), END_BYTES);
  return { length, body: Readable.toWeb(Readable.from(chunks())) as unknown as ReadableStream<Uint8Array> };
}
