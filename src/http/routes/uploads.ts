// /v2/<name>/blobs/uploads/[<id>]: start, mount, monolithic and chunked uploads,
// status and cancel.
import { RangeInvalid } from "../../repository/errors.ts";
import { appendChunk, cancelUpload, finishUpload, monolithicUpload, startUpload, tryMount, uploadStatus } from "../../registry/uploads.ts";
import type { AppDeps } from "../context.ts";
import { clientBody } from "../body.ts";
import { errorResponse, toWireError, uploadRange } from "../errors.ts";
import { type ByteRange, parseContentRange } from "../range.ts";

function progressHeaders(name: string, id: string, size: number): Headers {
  return new Headers({
    Location: `/v2/${name}/blobs/uploads/${id}`,
    Range: uploadRange(size),
    "Docker-Upload-UUID": id,
    "Content-Length": "0",
  });
}

function created(name: string, digest: string): Response {
  return new Response(null, { status: 201, headers: { Location: `/v2/${name}/blobs/${digest}`, "Docker-Content-Digest": digest, "Content-Length": "0" } });
}

export async function postUpload(deps: AppDeps, request: Request, name: string): Promise<Response> {
  const url = new URL(request.url);
  const mount = url.searchParams.get("mount");
  if (mount !== null) {
    const from = url.searchParams.get("from") ?? undefined;
    if (tryMount(deps.registry, name, mount, from)) return created(name, mount);
    // Spec: when the mount is not possible, fall back to a regular upload session.
  }
  const digest = url.searchParams.get("digest");
  if (digest !== null) return created(name, await monolithicUpload(deps.registry, name, digest, clientBody(request.body)));
  const { id, size } = await startUpload(deps.registry, name);
  return new Response(null, { status: 202, headers: progressHeaders(name, id, size) });
}

/**
 * A refused chunk (416) still names the session, so that the client can ask
 * where it stands and resume; the spec lists Location and Range on that answer.
 */
async function resumable(name: string, id: string, work: () => Promise<Response>): Promise<Response> {
  try {
    return await work();
  } catch (e) {
    if (!(e instanceof RangeInvalid)) throw e;
    const wire = toWireError(e);
    return errorResponse({ ...wire, headers: { ...wire.headers, Location: `/v2/${name}/blobs/uploads/${id}`, "Docker-Upload-UUID": id } }, "PATCH");
  }
}

/** The chunk's Content-Range; a malformed one is a 416 like an out-of-order chunk (spec, "Chunked Upload"). */
async function chunkRange(deps: AppDeps, request: Request, name: string, id: string): Promise<ByteRange | undefined> {
  const header = request.headers.get("content-range");
  const range = parseContentRange(header);
  if (range !== "invalid") return range;
  const { size } = await uploadStatus(deps.registry, name, id);
  throw new RangeInvalid(`malformed Content-Range ${JSON.stringify(header?.slice(0, 60))}; expected "<start>-<end>"`, size);
}

export function patchUpload(deps: AppDeps, request: Request, name: string, id: string): Promise<Response> {
  return resumable(name, id, async () => {
    const range = await chunkRange(deps, request, name, id);
    const { size } = await appendChunk(deps.registry, name, id, clientBody(request.body), range);
    return new Response(null, { status: 202, headers: progressHeaders(name, id, size) });
  });
}

export function putUpload(deps: AppDeps, request: Request, name: string, id: string): Promise<Response> {
  return resumable(name, id, async () => {
    const digest = new URL(request.url).searchParams.get("digest") ?? undefined;
    const range = await chunkRange(deps, request, name, id);
    if (range !== undefined) {
      // A final chunk with a Content-Range must continue where the upload ends.
      await appendChunk(deps.registry, name, id, clientBody(request.body), range);
      return created(name, await finishUpload(deps.registry, name, id, digest, null));
    }
    return created(name, await finishUpload(deps.registry, name, id, digest, clientBody(request.body)));
  });
}

export async function getUpload(deps: AppDeps, name: string, id: string): Promise<Response> {
  const { size } = await uploadStatus(deps.registry, name, id);
  return new Response(null, { status: 204, headers: progressHeaders(name, id, size) });
}

export async function deleteUploadRoute(deps: AppDeps, name: string, id: string): Promise<Response> {
  await cancelUpload(deps.registry, name, id);
  return new Response(null, { status: 204 });
}
