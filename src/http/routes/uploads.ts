// /v2/<name>/blobs/uploads/[<id>]: start, mount, monolithic and chunked uploads,
// status and cancel.
import { UploadInvalid } from "../../registry/errors.ts";
import { appendChunk, cancelUpload, finishUpload, monolithicUpload, startUpload, tryMount, uploadStatus } from "../../registry/uploads.ts";
import type { AppDeps } from "../context.ts";
import { parseContentRange } from "../range.ts";

function progressHeaders(name: string, id: string, size: number): Headers {
  return new Headers({
    Location: `/v2/${name}/blobs/uploads/${id}`,
    Range: `0-${Math.max(0, size - 1)}`,
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
  if (digest !== null) return created(name, await monolithicUpload(deps.registry, name, digest, request.body));
  const { id, size } = await startUpload(deps.registry, name);
  return new Response(null, { status: 202, headers: progressHeaders(name, id, size) });
}

export async function patchUpload(deps: AppDeps, request: Request, name: string, id: string): Promise<Response> {
  const range = parseContentRange(request.headers.get("content-range"));
  if (range === "invalid") throw new UploadInvalid(`malformed Content-Range ${JSON.stringify(request.headers.get("content-range"))}; expected "<start>-<end>"`);
  const { size } = await appendChunk(deps.registry, name, id, request.body, range);
  return new Response(null, { status: 202, headers: progressHeaders(name, id, size) });
}

export async function putUpload(deps: AppDeps, request: Request, name: string, id: string): Promise<Response> {
  const digest = new URL(request.url).searchParams.get("digest") ?? undefined;
  const range = parseContentRange(request.headers.get("content-range"));
  if (range !== undefined && range !== "invalid") {
    // A final chunk with a Content-Range must continue where the upload ends.
    await appendChunk(deps.registry, name, id, request.body, range);
    return created(name, await finishUpload(deps.registry, name, id, digest, null));
  }
  return created(name, await finishUpload(deps.registry, name, id, digest, request.body));
}

export function getUpload(deps: AppDeps, name: string, id: string): Response {
  const { size } = uploadStatus(deps.registry, name, id);
  return new Response(null, { status: 204, headers: progressHeaders(name, id, size) });
}

export async function deleteUploadRoute(deps: AppDeps, name: string, id: string): Promise<Response> {
  await cancelUpload(deps.registry, name, id);
  return new Response(null, { status: 204 });
}
