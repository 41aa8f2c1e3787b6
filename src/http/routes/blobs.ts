// /v2/<name>/blobs/<digest>: GET (with Range), HEAD, DELETE for local repositories.
import type { Platform } from "../../platform/types.ts";
import { RangeNotSatisfiable } from "../../repository/errors.ts";
import { deleteBlob, statBlob } from "../../registry/blobs.ts";
import type { AppDeps } from "../context.ts";
import { parseRangeHeader } from "../range.ts";

/** A response for a verified file in the store, honouring Range. Shared with the pull-through cache. */
export function fileResponse(platform: Pick<Platform, "fileBody">, request: Request, blob: { digest: string; size: number; path: string }): Response {
  const headers = new Headers({
    "Content-Type": "application/octet-stream",
    "Docker-Content-Digest": blob.digest,
    "Accept-Ranges": "bytes",
    ETag: `"${blob.digest}"`,
    "Cache-Control": "max-age=31536000",
  });
  const range = parseRangeHeader(request.headers.get("range"), blob.size);
  if (range === "unsatisfiable") {
    throw new RangeNotSatisfiable(`range ${request.headers.get("range")} is outside the blob's ${blob.size} bytes`, blob.size);
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? blob.size - 1;
  headers.set("Content-Length", String(end - start + 1));
  if (range) headers.set("Content-Range", `bytes ${start}-${end}/${blob.size}`);
  const status = range ? 206 : 200;
  if (request.method === "HEAD") return new Response(null, { status, headers });
  return new Response(blob.size === 0 ? new Uint8Array(0) : platform.fileBody(blob.path, start, end), { status, headers });
}

export function getLocalBlob(deps: AppDeps, request: Request, name: string, digest: string): Response {
  return fileResponse(deps.platform, request, statBlob(deps.registry, name, digest));
}

export function deleteLocalBlob(deps: AppDeps, name: string, digest: string): Response {
  deleteBlob(deps.registry, name, digest);
  return new Response(null, { status: 202 });
}
