// Reading the small documents a registry answers with (manifests, tag lists,
// referrers indexes) into memory, with one cap for all of them: a registry
// that sends endless bytes must fail the request, not exhaust our memory.

import { readCapped } from "./body.ts";
import { UpstreamError } from "./errors.ts";
import type { Transport, UpstreamResponse } from "./transport.ts";

// Registries commonly refuse manifests over 4 MiB; nothing legitimate is larger.
export const MANIFEST_LIMIT = 4 * 1024 * 1024;

/** The whole body; larger than MANIFEST_LIMIT (announced or actual) is an invalid response. */
export async function readSmall(res: UpstreamResponse, what: string, transport: Transport): Promise<Uint8Array> {
  const tooLarge = (): UpstreamError =>
    new UpstreamError(transport.name, "invalid-response", `${what} larger than ${MANIFEST_LIMIT} bytes`);
  if ((contentLength(res) ?? 0) > MANIFEST_LIMIT) {
    res.body.destroy(); // don't download what we will refuse
    throw tooLarge();
  }
  let body: Uint8Array | undefined;
  try {
    body = await readCapped(res.body, MANIFEST_LIMIT);
  } catch (err) {
    throw transport.wrap(err);
  }
  if (!body) throw tooLarge();
  return body;
}

/** Content-Length when it is a plain number. */
export function contentLength(res: UpstreamResponse): number | undefined {
  const v = res.header("content-length")?.trim();
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** `{"name": ..., "tags": [...]}`; `tags: null` (an empty repository) is allowed. */
export function parseTags(body: Uint8Array, upstream: string): string[] {
  const invalid = (d: string): UpstreamError => new UpstreamError(upstream, "invalid-response", d);
  let doc: { tags?: unknown };
  try {
    doc = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw invalid("tag list is not JSON");
  }
  if (doc?.tags === null || doc?.tags === undefined) return [];
  if (!Array.isArray(doc.tags) || !doc.tags.every((t) => typeof t === "string")) throw invalid("tag list is malformed");
  return doc.tags as string[];
}
