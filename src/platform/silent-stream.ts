// A pass-through for response bodies on Bun. When a ReadableStream that Bun is
// writing to a socket errors with an Error, Bun prints the error with a source
// excerpt and a stack trace to stderr: plain text in a log that must be one JSON
// object per line (journald, log shippers). Erroring the stream with
// `undefined` instead cuts the connection the same way (the client sees a
// reset, never a short body that looks complete) and prints nothing. The cause
// is not lost: the code that failed the stream (the cache: a digest mismatch,
// an upstream reset) has already logged it as JSON.
//
// Only streams go through this; file bodies keep Bun's sendfile path.

export function silentFailure(source: ReadableStream<Uint8Array> | null): ReadableStream<Uint8Array> | null {
  if (!source) return null;
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let next: Awaited<ReturnType<typeof reader.read>>;
        try {
          next = await reader.read();
        } catch {
          controller.error(undefined);
          return;
        }
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel(reason) {
        // The client went away: let the source know, as it would without this wrapper.
        return reader.cancel(reason);
      },
    },
    // Nothing is read ahead: the client's pace still sets the source's pace.
    { highWaterMark: 0 },
  );
}
