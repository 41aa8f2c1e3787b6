// Blob bodies from an upstream's own origin through the runtime's native HTTP
// client (the Platform's `upstreamFetch`, Bun's fetch) instead of undici. Why:
// on Bun, undici parses in wasm and hands its chunks through a node stream, an
// async iterator and a web stream; the native client delivers a web stream
// directly, and a 512 MiB download peaks about 30 MiB lower (bench/README.md).
//
// Only for the upstream's own (configured, trusted) origin: the destination
// guard's peer-address check needs undici's connector, so a redirect to a CDN
// (any other origin) goes through undici as before. The native client has no
// timeouts of its own that we can set, so they are kept here: connect plus
// headers until the response starts, then the longest gap while a read waits
// on the upstream (a slow client does not count: it is not the upstream's stall).
import type { UpstreamFetch } from "../platform/types.ts";
import type { SourceBody, StreamedBody } from "./body.ts";
import { UpstreamError, type Timeouts } from "./errors.ts";

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(3))}s`;

export interface NativeSendInit {
  upstream: string;
  headers: Record<string, string>;
  insecure: boolean;
  caPem?: string;
  timeouts: Timeouts;
}

export interface NativeResponse {
  status: number;
  headers: Headers;
  body: NativeBody;
}

/** One GET with the native client, redirects not followed (the caller decides where they may lead). */
export async function nativeGet(fetchFn: UpstreamFetch, url: URL, init: NativeSendInit): Promise<NativeResponse> {
  const controller = new AbortController();
  const { connectTimeoutMs, headersTimeoutMs } = init.timeouts;
  const limit = connectTimeoutMs + headersTimeoutMs;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, limit);
  let res: Response;
  try {
    res = await fetchFn(url, { headers: init.headers, signal: controller.signal, insecure: init.insecure, caPem: init.caPem });
  } catch (err) {
    if (timedOut) throw new UpstreamError(init.upstream, "timeout", `no response headers within ${seconds(limit)}`, { cause: err });
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return { status: res.status, headers: res.headers, body: new NativeBody(res.body, controller, init.upstream, init.timeouts.bodyTimeoutMs) };
}

/** A native response body: readable as a web stream (blobs) or iterated like undici's (small bodies). */
export class NativeBody implements SourceBody {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #done = false;

  constructor(
    stream: ReadableStream<Uint8Array> | null,
    private readonly controller: AbortController,
    private readonly upstream: string,
    private readonly bodyTimeoutMs: number,
  ) {
    this.#reader = stream?.getReader();
    if (!this.#reader) this.#done = true;
  }

  /** The next chunk, or undefined at the end; a stalled upstream is a timeout. */
  async read(): Promise<Uint8Array | undefined> {
    if (this.#done || !this.#reader) return undefined;
    let stalled = false;
    const timer = setTimeout(() => {
      stalled = true;
      this.controller.abort();
    }, this.bodyTimeoutMs);
    try {
      const next = await this.#reader.read();
      if (next.done) {
        this.#done = true;
        return undefined;
      }
      return next.value;
    } catch (err) {
      this.#done = true;
      if (stalled) throw new UpstreamError(this.upstream, "timeout", `body stalled for ${seconds(this.bodyTimeoutMs)}`, { cause: err });
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const chunk = await this.read();
      if (chunk === undefined) return;
      yield chunk;
    }
  }

  /** Stops the download and closes the connection. */
  destroy(): void {
    if (this.#done) return;
    this.#done = true;
    this.controller.abort();
    this.#reader?.cancel().catch(() => {});
  }

  /** The body as a pull-based web stream: nothing read ahead, errors through `mapError`. */
  toWeb(mapError: (err: unknown) => Error): StreamedBody {
    let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;
    let finished = false;
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          controllerRef = controller;
        },
        pull: async (controller) => {
          try {
            const chunk = await this.read();
            if (finished) return; // aborted while we waited
            if (chunk === undefined) {
              finished = true;
              controller.close();
            } else {
              // Chunks pass through untouched: bytes are stored exactly as sent.
              controller.enqueue(chunk);
            }
          } catch (err) {
            if (finished) return;
            finished = true;
            controller.error(mapError(err));
          }
        },
        cancel: () => {
          finished = true;
          this.destroy();
        },
      },
      { highWaterMark: 0 },
    );
    const abort = (): void => {
      if (finished) return;
      finished = true;
      this.destroy();
      controllerRef?.error(new DOMException("blob download aborted", "AbortError"));
    };
    return { body, abort };
  }
}
