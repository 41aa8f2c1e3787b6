// /v2/<name>/manifests/<reference>: GET, HEAD, PUT, DELETE, for local and cached repositories alike.
import type { Context } from "hono";
import { bareMediaType, isManifestType } from "../../oci/media-types.ts";
import { JsonShapeScan } from "../../oci/json-depth.ts";
import { ManifestInvalid, ManifestUnknown } from "../../repository/errors.ts";
import type { ManifestRead, Repository } from "../../repository/types.ts";
import { readLimited } from "../body.ts";
import type { AppDeps, Env } from "../context.ts";
import { markCache } from "./x-cache.ts";
import { leases, SERVED_HOLD_MS } from "../../lifecycle/leases.ts";

/** Media types the client accepts, from every Accept header (clients send several). */
export function acceptedTypes(request: Request): string[] {
  const header = request.headers.get("accept") ?? "";
  return header.split(",").map((t) => bareMediaType(t)).filter((t) => t !== "");
}

export function manifestHeaders(m: { digest: string; mediaType: string; size: number }): Headers {
  return new Headers({
    "Content-Type": m.mediaType,
    "Content-Length": String(m.size),
    "Docker-Content-Digest": m.digest,
    ETag: `"${m.digest}"`,
  });
}

/**
 * Content negotiation: a client that lists manifest types but not this one
 * (and no wildcard) cannot parse it; say so instead of sending it anyway.
 * A pull by digest is exact, so the client gets what it asked for.
 */
function checkAccepted(request: Request, reference: string, m: ManifestRead): void {
  const accepted = acceptedTypes(request);
  if (reference.includes(":") || !accepted.some(isManifestType)) return;
  if (!accepted.includes(m.mediaType) && !accepted.includes("*/*")) {
    throw new ManifestUnknown(`manifest ${reference} is a ${m.mediaType}, which the client did not accept`);
  }
}

export async function getManifest(c: Context<Env>, repo: Repository, reference: string, pulls?: AppDeps["pulls"]): Promise<Response> {
  const request = c.req.raw;
  const m = await repo.getManifest(reference);
  checkAccepted(request, reference, m);
  // A client that got a manifest asks for its blobs next: the image is not evicted meanwhile.
  leases.hold(m.digest, SERVED_HOLD_MS);
  if (request.method === "GET") pulls?.record(repo.name, m.digest);
  const headers = manifestHeaders({ digest: m.digest, mediaType: m.mediaType, size: m.content.byteLength });
  const response = new Response(request.method === "HEAD" ? null : (m.content as Uint8Array<ArrayBuffer>), { status: 200, headers });
  return markCache(c, response, m.cache, m.upstreamFailure, m.upstreamCache);
}

export async function putManifest(deps: AppDeps, request: Request, repo: Repository, reference: string): Promise<Response> {
  // A bomb is refused as its first bytes arrive, not after the whole body was buffered.
  const shape = new JsonShapeScan();
  const bytes = await readLimited(request.body, deps.registry.maxManifestBytes, (chunk) => {
    const problem = shape.feed(chunk);
    if (problem) throw new ManifestInvalid(`invalid manifest: the document ${problem}`);
  });
  const contentType = bareMediaType(request.headers.get("content-type"));
  const result = await repo.putManifest(reference, bytes, contentType || undefined);
  const headers = new Headers({
    Location: `/v2/${repo.name}/manifests/${result.digest}`,
    "Docker-Content-Digest": result.digest,
    "Content-Length": "0",
  });
  if (result.subject) headers.set("OCI-Subject", result.subject);
  deps.log.info("manifest stored", { repository: repo.name, reference, digest: result.digest });
  return new Response(null, { status: 201, headers });
}

export async function deleteManifest(deps: AppDeps, repo: Repository, reference: string): Promise<Response> {
  await repo.deleteManifest(reference);
  deps.log.info("manifest deleted", { repository: repo.name, reference });
  return new Response(null, { status: 202 });
}
