// /v2/<name>/blobs/<digest>: GET (with Range), HEAD, DELETE, for local and cached repositories alike.
import type { Context } from "hono";
import type { Platform } from "../../platform/types.ts";
import { RangeNotSatisfiable } from "../../repository/errors.ts";
import type { Repository } from "../../repository/types.ts";
import type { AppDeps, Env } from "../context.ts";
import { parseRangeHeader } from "../range.ts";
import { markCache } from "./x-cache.ts";
import { leases, SERVED_HOLD_MS } from "../../lifecycle/leases.ts";

/** A response for a verified file in the store, honouring Range. */
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

export async function getBlob(deps: AppDeps, c: Context<Env>, repo: Repository, digest: string): Promise<Response> {
  const request = c.req.raw;
  const out = await repo.getBlob(digest, { head: request.method === "HEAD", range: request.headers.has("range") });
  if (out.kind === "file") {
    // The runtime opens the file after this returns; GC and eviction leave it alone meanwhile
    // (lifecycle/leases.ts: once open, an unlinked file still reads to the end).
    leases.hold(out.digest, SERVED_HOLD_MS);
    // A pusher's HEAD that finds the blob skips its upload: GC keeps it for the grace period.
    leases.markAsked(out.digest);
    return markCache(c, fileResponse(deps.platform, request, out), out.cache);
  }
  // A cold blob of a cached repository, streamed while it downloads.
  const headers = new Headers({ "Content-Type": "application/octet-stream", "Docker-Content-Digest": out.digest });
  if (out.size !== undefined) headers.set("Content-Length", String(out.size));
  return markCache(c, new Response(deps.platform.streamBody(out.body), { status: 200, headers }), out.cache);
}

export async function deleteBlob(repo: Repository, digest: string): Promise<Response> {
  await repo.deleteBlob(digest);
  return new Response(null, { status: 202 });
}
