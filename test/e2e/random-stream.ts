// Large, reproducible pseudo-random content as a stream: the AES-256-CTR keystream of a
// random key. The same seed gives the same bytes again, so a test can hash the content
// up front, send it while killing the server, and send it again whole, without ever
// holding it in memory (one chunk at a time).
import { createCipheriv, createHash, randomBytes } from "node:crypto";

export interface RandomContent {
  readonly size: number;
  /** "sha256:…" of the whole content. */
  readonly digest: string;
  /** A fresh stream of the content from byte `from` (default 0) to the end. `sent()` tells
   *  the bytes handed out so far, `digest()` the hash of what was streamed once done. */
  stream(from?: number): { body: ReadableStream<Uint8Array>; sent(): number; digest(): string | undefined };
}

const CHUNK = 1 << 20;

function keystream(key: Buffer, iv: Buffer) {
  const cipher = createCipheriv("aes-256-ctr", key, iv);
  const zeros = Buffer.alloc(CHUNK);
  return (length: number) => cipher.update(length === CHUNK ? zeros : zeros.subarray(0, length));
}

export function randomContent(size: number): RandomContent {
  const key = randomBytes(32);
  const iv = randomBytes(16);
  const hash = createHash("sha256");
  const next = keystream(key, iv);
  for (let done = 0; done < size; done += CHUNK) hash.update(next(Math.min(CHUNK, size - done)));
  const digest = `sha256:${hash.digest("hex")}`;

  return {
    size,
    digest,
    stream(from = 0) {
      const nextChunk = keystream(key, iv);
      // A keystream is sequential: skipping means generating and dropping.
      for (let skipped = 0; skipped < from; skipped += CHUNK) nextChunk(Math.min(CHUNK, from - skipped));
      const running = createHash("sha256");
      let sent = 0;
      let final: string | undefined;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (from + sent >= size) {
            final = `sha256:${running.digest("hex")}`;
            controller.close();
            return;
          }
          const chunk = nextChunk(Math.min(CHUNK, size - from - sent));
          running.update(chunk);
          sent += chunk.length;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        },
      });
      return { body, sent: () => sent, digest: () => final };
    },
  };
}
