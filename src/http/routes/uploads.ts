// /v2/<name>/blobs/uploads/[<id>]: start, mount, monolithic and chunked uploads,
// status and cancel.
import { RangeInvalid } from "../../repository/errors.ts";
import type { Repository } from "../../repository/types.ts";
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

export async function postUpload(request: Request, repo: Repository): Promise<Response> {
  const name = repo.name;
  const url = new URL(request.url);
  const mount = url.searchParams.get("mount");
  if (mount !== null) {
    const from = url.searchParams.get("from") ?? undefined;
    if (await repo.mountBlob(mount, from)) return created(name, mount);
    // Spec: when the mount is not possible, fall back to a regular upload session.
  }
  const digest = url.searchParams.get("digest");
  if (digest !== null) return created(name, await repo.monolithicUpload(digest, clientBody(request.body)));
  const { id, size } = await repo.startUpload();
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
async function chunkRange(request: Request, repo: Repository, id: string): Promise<ByteRange | undefined> {
  const header = request.headers.get("content-range");
  const range = parseContentRange(header);
  if (range !== "invalid") return range;
  const { size } = await repo.uploadStatus(id);
  throw new RangeInvalid(`malformed Content-Range ${JSON.stringify(header?.slice(0, 60))}; expected "<start>-<end>"`, size);
}

export function patchUpload(request: Request, repo: Repository, id: string): Promise<Response> {
  const name = repo.name;
  return resumable(name, id, async () => {
    const range = await chunkRange(request, repo, id);
    const { size } = await repo.appendChunk(id, clientBody(request.body), range);
    return new Response(null, { status: 202, headers: progressHeaders(name, id, size) });
  });
}

export function putUpload(request: Request, repo: Repository, id: string): Promise<Response> {
  const name = repo.name;
  return resumable(name, id, async () => {
    const digest = new URL(request.url).searchParams.get("digest") ?? undefined;
    const range = await chunkRange(request, repo, id);
    if (range !== undefined) {
      // A final chunk with a Content-Range must continue where the upload ends.
      await repo.appendChunk(id, clientBody(request.body), range);
      return created(name, await repo.finishUpload(id, digest, null));
    }
    return created(name, await repo.finishUpload(id, digest, clientBody(request.body)));
  });
}

export async function getUpload(repo: Repository, id: string): Promise<Response> {
  const { size } = await repo.uploadStatus(id);
  return new Response(null, { status: 204, headers: progressHeaders(repo.name, id, size) });
}

export async function deleteUploadRoute(repo: Repository, id: string): Promise<Response> {
  await repo.cancelUpload(id);
  return new Response(null, { status: 204 });
}
