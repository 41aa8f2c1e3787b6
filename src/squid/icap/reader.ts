// Pull-style reading of a socket: whole heads, exact byte counts, chunked bodies.
// Pulling from the socket's async iterator gives backpressure for free: nothing is
// read from the kernel until the parser asks for more.
import { IcapError } from "./errors.ts";

export class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async more(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.source.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.buf = this.buf.length === 0 ? next.value : Buffer.concat([this.buf, next.value]);
    return true;
  }

  /**
   * The bytes up to and including delim. Undefined when the peer closed cleanly
   * before sending anything; an IcapError(400) when it closed mid-way or the
   * delimiter did not come within limit bytes.
   */
  async readUntil(delim: string, limit: number): Promise<Buffer | undefined> {
    let from = 0;
    for (;;) {
      const at = this.buf.indexOf(delim, from, "latin1");
      if (at >= 0 && at + delim.length <= limit) return this.take(at + delim.length);
      if (at >= 0 || this.buf.length > limit) throw new IcapError(400, `no ${JSON.stringify(delim)} within ${limit} bytes`);
      from = Math.max(0, this.buf.length - delim.length + 1);
      if (!(await this.more())) {
        if (this.buf.length === 0) return undefined;
        throw new IcapError(400, "connection closed inside a message");
      }
    }
  }

  /** Exactly n bytes, or an IcapError(400) when the peer closes first. */
  async readExactly(n: number): Promise<Buffer> {
    while (this.buf.length < n) {
      if (!(await this.more())) throw new IcapError(400, "connection closed inside a message");
    }
    return this.take(n);
  }

  private take(n: number): Buffer {
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
}

export interface ChunkedBody {
  data: Buffer;
  /** The sender marked the end of the body ("0; ieof"): a preview that is the whole body. */
  ieof: boolean;
}

const CHUNK_LINE_LIMIT = 1024;

/** Reads one chunked body up to its zero chunk; more than limit data bytes is an error. */
export async function readChunked(r: ByteReader, limit: number): Promise<ChunkedBody> {
  const parts: Buffer[] = [];
  let total = 0;
  for (;;) {
    const line = (await r.readUntil("\r\n", CHUNK_LINE_LIMIT))?.toString("latin1").slice(0, -2);
    const m = line === undefined ? null : /^([0-9a-fA-F]{1,8})[ \t]*(?:;[ \t]*(.*))?$/.exec(line);
    if (!m) throw new IcapError(400, "malformed chunk size line");
    const size = parseInt(m[1]!, 16);
    if (size === 0) {
      // ICAP bodies carry no trailers: the zero chunk is followed by an empty line.
      const end = await r.readExactly(2);
      if (end.toString("latin1") !== "\r\n") throw new IcapError(400, "malformed last chunk");
      return { data: Buffer.concat(parts), ieof: /^ieof\b/i.test(m[2] ?? "") };
    }
    total += size;
    if (total > limit) throw new IcapError(500, `encapsulated body larger than ${limit} bytes`);
    const chunk = await r.readExactly(size + 2);
    if (chunk.subarray(size).toString("latin1") !== "\r\n") throw new IcapError(400, "chunk not followed by CRLF");
    parts.push(chunk.subarray(0, size));
  }
}
