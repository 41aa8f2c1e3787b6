// A minimal streaming ustar writer and reader: enough for OCI layouts, whose
// paths ("blobs/sha256/<64 hex>") fit the 100-byte name field. Entries are
// streamed through, never held whole, so a multi-GiB layer costs a chunk of
// memory, not its size.

const BLOCK = 512;
const enc = new TextEncoder();

/** Bytes an entry of `size` takes in the archive: header plus padded body. */
export const entryBytes = (size: number) => BLOCK + Math.ceil(size / BLOCK) * BLOCK;
/** The two zero blocks that end an archive. */
export const END_BYTES = 2 * BLOCK;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

/** The 512-byte ustar header of a regular file (or, with `dir`, a folder). */
export function header(name: string, size: number, dir = false): Uint8Array {
  if (enc.encode(name).byteLength > 100) throw new Error(`tar: name longer than 100 bytes: ${name}`);
  const h = new Uint8Array(BLOCK);
  const put = (offset: number, text: string) => h.set(enc.encode(text), offset);
  put(0, name);
  put(100, octal(dir ? 0o755 : 0o644, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(size, 12));
  put(136, octal(0, 12));
  put(148, "        "); // checksum is computed with this field as spaces
  put(156, dir ? "5" : "0");
  put(257, "ustar\x0000");
  let sum = 0;
  for (const b of h) sum += b;
  put(148, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

/** Zero bytes that pad a body of `size` to a whole block. */
export const padding = (size: number) => new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);

export class TarFormatError extends Error {
  constructor(message: string) {
    super(`not a valid tar archive: ${message}`);
    this.name = "TarFormatError";
  }
}

export interface TarEntry {
  name: string;
  size: number;
  /** "file" for regular files; anything else (folders, links) carries no body worth reading. */
  type: "file" | "other";
  /** The body; must be read to the end (or `skip`ped) before the next entry. */
  body: ReadableStream<Uint8Array>;
}

/** Reads entries one after another from a stream; a truncated archive throws TarFormatError. */
export class TarReader {
  private buffer: Uint8Array = new Uint8Array(0);
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private done = false;

  constructor(source: ReadableStream<Uint8Array>) {
    this.reader = source.getReader();
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const { value, done } = await this.reader.read();
    if (done) {
      this.done = true;
      return false;
    }
    this.buffer = this.buffer.byteLength ? concat(this.buffer, value) : value;
    return true;
  }

  private async take(n: number): Promise<Uint8Array> {
    while (this.buffer.byteLength < n) if (!(await this.fill())) throw new TarFormatError("archive ends in the middle of an entry (interrupted copy?)");
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  /** At most `max` bytes (at least one), for streaming a body through. */
  private async some(max: number): Promise<Uint8Array> {
    if (this.buffer.byteLength === 0 && !(await this.fill())) throw new TarFormatError("archive ends in the middle of an entry (interrupted copy?)");
    const n = Math.min(max, this.buffer.byteLength);
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  /** The next entry, or undefined at the end of the archive. */
  async next(): Promise<TarEntry | undefined> {
    for (;;) {
      if (this.buffer.byteLength === 0 && !(await this.fill())) return undefined; // no end blocks: tolerated
      const h = await this.take(BLOCK);
      if (h.every((b) => b === 0)) return undefined;
      const field = (o: number, n: number) => new TextDecoder().decode(h.subarray(o, o + n)).replace(/\0.*$/s, "");
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
      if (parseInt(field(148, 8).trim(), 8) !== sum) throw new TarFormatError("header checksum mismatch");
      const size = parseInt(field(124, 12).trim() || "0", 8);
      const prefix = field(345, 155);
      const name = (prefix ? `${prefix}/` : "") + field(0, 100);
      const flag = field(156, 1);
      // pax and GNU long-name headers describe the next entry; names here are short, so skip them.
      if (flag === "x" || flag === "g" || flag === "L") {
        await this.skipBytes(Math.ceil(size / BLOCK) * BLOCK);
        continue;
      }
      let left = size;
      const self = this;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (left === 0) {
            await self.take(padding(size).byteLength);
            controller.close();
            return;
          }
          const chunk = await self.some(Math.min(left, 1 << 20));
          left -= chunk.byteLength;
          // A copy: the buffer's memory is reused by later reads.
          controller.enqueue(chunk.slice());
        },
      }, { highWaterMark: 0 });
      return { name: name.replace(/^\.\//, ""), size, type: flag === "0" || flag === "" ? "file" : "other", body };
    }
  }

  private async skipBytes(n: number): Promise<void> {
    while (n > 0) n -= (await this.some(n)).byteLength;
  }

  /** Reads a body to its end, discarding it. */
  static async skip(entry: TarEntry): Promise<void> {
    const r = entry.body.getReader();
    while (!(await r.read()).done);
  }

  cancel(): void {
    this.reader.cancel().catch(() => {});
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}

/** Reads a body whole, refusing more than `limit` bytes (index.json, manifests). */
export async function readSmall(entry: TarEntry, limit: number): Promise<Uint8Array> {
  if (entry.size > limit) throw new TarFormatError(`${entry.name} is ${entry.size} bytes, more than ${limit}`);
  const parts: Uint8Array[] = [];
  const r = entry.body.getReader();
  for (;;) {
    const { value, done } = await r.read();
    if (done) break;
    parts.push(value);
  }
  return parts.reduce(concat, new Uint8Array(0));
}
