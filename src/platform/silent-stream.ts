// A pass-through for response bodies on Bun. When a ReadableStream that Bun is
// writing to a socket errors with an Error, Bun prints the error with a source
// excerpt and a stack trace to stderr: plain text in a log that must be one JSON
// object per line (journald, log shippers). Failing the stream with
// `undefined` instead cuts the connection the same way (the client sees a
// reset, never a short body that looks complete) and prints nothing. The cause
// is not lost: the code that failed the stream (the cache: a digest mismatch,
// an upstream reset) has already logged it as JSON.
//
// It is a "direct" stream (issue 16): Bun.serve calls pull() once and each chunk
// goes straight to the socket with controller.write(), instead of through a
// stream queue and a read per chunk. Awaiting the write is the back-pressure: the
// client's pace still sets the source's pace, nothing is read ahead.
//
// Only streams go through this; file bodies keep Bun's sendfile path.

interface DirectController {
  write(chunk: Uint8Array): number | Promise<number>;
  close(): void;
}

export function silentFailure(source: ReadableStream<Uint8Array> | null): ReadableStream<Uint8Array> | null {
  if (!source) return null;
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    type: "direct",
    async pull(controller: DirectController) {
      for (;;) {
        let next: Awaited<ReturnType<typeof reader.read>>;
        try {
          next = await reader.read();
        } catch {
          // A rejection with `undefined`: the connection is cut and nothing is printed.
          throw undefined;
        }
        if (next.done) {
          controller.close();
          return;
        }
        await controller.write(next.value);
      }
    },
    cancel(reason: unknown) {
      // The client went away: let the source know, as it would without this wrapper.
      return reader.cancel(reason);
    },
  } as unknown as UnderlyingDefaultSource<Uint8Array>);
}
