// Reading response bodies: small ones (manifests, tag lists, error documents)
// into memory with a hard cap, blobs as a web stream that pulls from the
// socket only as fast as the consumer reads, so a multi-GiB layer never sits
// in memory and a slow client slows the download instead of filling RAM.

/** What we need from undici's BodyReadable (a node Readable). */
export interface SourceBody extends AsyncIterable<Uint8Array> {
  destroy(err?: Error): unknown;
}

/** Reads the whole body, or returns undefined (and drops the connection) past `limit` bytes. */
export async function readCapped(body: SourceBody, limit: number): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > limit) {
      // Destroying rather than draining: the rest may be endless.
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return concat(chunks, total);
}

/** Throws away a body we don't want, keeping the connection reusable when it is small. */
export async function discard(body: SourceBody): Promise<void> {
  try {
    await readCapped(body, 64 * 1024);
  } catch {
    // The response is already decided; a broken body changes nothing.
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export interface StreamedBody {
  body: ReadableStream<Uint8Array>;
  /** Stops the download and frees the connection; readers see an AbortError. */
  abort(): void;
}

/**
 * Wraps a node-style body as a pull-based web stream. Errors while streaming
 * pass through `mapError` (so readers see an UpstreamError, not a socket error).
 */
export function toWebStream(source: SourceBody, mapError: (err: unknown) => Error): StreamedBody {
  const it = source[Symbol.asyncIterator]();
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;
  let finished = false;

  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controllerRef = controller;
      },
      async pull(controller) {
        try {
          const next = await it.next();
          if (finished) return; // aborted while we waited
          if (next.done) {
            finished = true;
            controller.close();
          } else {
            // Chunks pass through untouched: bytes are stored exactly as sent.
            controller.enqueue(next.value);
          }
        } catch (err) {
          if (finished) return;
          finished = true;
          controller.error(mapError(err));
        }
      },
      cancel() {
        // The reader lost interest: close the socket instead of downloading on.
        finished = true;
        source.destroy();
      },
    },
    // highWaterMark 0: nothing is read ahead before the consumer asks.
    { highWaterMark: 0 },
  );

  const abort = (): void => {
    if (finished) return;
    finished = true;
    source.destroy();
    controllerRef?.error(new DOMException("blob download aborted", "AbortError"));
  };
  return { body, abort };
}
