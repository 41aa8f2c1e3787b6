// Reading request bodies with a byte limit, so that a huge manifest PUT is
// refused without being buffered whole.
import { BodyIncomplete, ManifestTooLarge } from "../repository/errors.ts";

/** `inspect` sees each chunk as it arrives and may throw to refuse the body early. */
export async function readLimited(body: ReadableStream<Uint8Array> | null, limit: number, inspect?: (chunk: Uint8Array) => void): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new ManifestTooLarge(`manifest is larger than the limit of ${limit} bytes (server.max_manifest_size)`);
    }
    try {
      inspect?.(value);
    } catch (e) {
      await reader.cancel().catch(() => {});
      throw e;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/**
 * An upload body whose read failures (the client vanished or reset mid-chunk)
 * surface as BodyIncomplete, so that they answer 400 and are not logged as our
 * internal errors. Pull-based: one chunk in flight, memory stays flat.
 */
export function clientBody(body: ReadableStream<Uint8Array> | null): ReadableStream<Uint8Array> | null {
  if (!body) return null;
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (e) {
        controller.error(new BodyIncomplete(`the request body broke off: ${String(e).slice(0, 200)}`));
        return;
      }
      if (chunk.done) controller.close();
      else controller.enqueue(chunk.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
