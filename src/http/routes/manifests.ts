// /v2/<name>/manifests/<reference>: GET, HEAD, PUT, DELETE for local repositories.
import type { StoredManifest } from "../../db/queries/manifests.ts";
import { bareMediaType, isManifestType } from "../../oci/media-types.ts";
import { ManifestUnknown } from "../../repository/errors.ts";
import { deleteManifest, getManifest, putManifest } from "../../registry/manifests.ts";
import { readLimited } from "../body.ts";
import type { AppDeps } from "../context.ts";

/** Media types the client accepts, from every Accept header (clients send several). */
export function acceptedTypes(request: Request): string[] {
  const header = request.headers.get("accept") ?? "";
  return header.split(",").map((t) => bareMediaType(t)).filter((t) => t !== "");
}

export function manifestHeaders(m: Pick<StoredManifest, "digest" | "mediaType" | "size">): Headers {
  return new Headers({
    "Content-Type": m.mediaType,
    "Content-Length": String(m.size),
    "Docker-Content-Digest": m.digest,
    ETag: `"${m.digest}"`,
  });
}

export function getLocalManifest(deps: AppDeps, request: Request, name: string, reference: string): Response {
  const m = getManifest(deps.registry, name, reference);
  // Content negotiation: a client that lists manifest types but not this one
  // (and no wildcard) cannot parse it; say so instead of sending it anyway.
  // A pull by digest is exact, so the client gets what it asked for.
  const accepted = acceptedTypes(request);
  const listsManifestTypes = accepted.some(isManifestType);
  if (!reference.includes(":") && listsManifestTypes && !accepted.includes(m.mediaType) && !accepted.includes("*/*")) {
    throw new ManifestUnknown(`manifest ${reference} is a ${m.mediaType}, which the client did not accept`);
  }
  const headers = manifestHeaders(m);
  return new Response(request.method === "HEAD" ? null : (m.content as Uint8Array<ArrayBuffer>), { status: 200, headers });
}

export async function putLocalManifest(deps: AppDeps, request: Request, name: string, reference: string): Promise<Response> {
  const bytes = await readLimited(request.body, deps.registry.maxManifestBytes);
  const contentType = bareMediaType(request.headers.get("content-type"));
  const result = putManifest(deps.registry, name, reference, bytes, contentType || undefined);
  const headers = new Headers({
    Location: `/v2/${name}/manifests/${result.digest}`,
    "Docker-Content-Digest": result.digest,
    "Content-Length": "0",
  });
  if (result.subject) headers.set("OCI-Subject", result.subject);
  deps.log.info("manifest stored", { repository: name, reference, digest: result.digest });
  return new Response(null, { status: 201, headers });
}

export function deleteLocalManifest(deps: AppDeps, name: string, reference: string): Response {
  deleteManifest(deps.registry, name, reference);
  deps.log.info("manifest deleted", { repository: name, reference });
  return new Response(null, { status: 202 });
}
