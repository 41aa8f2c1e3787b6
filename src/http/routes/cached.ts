// Responses for cached repositories (repositories of an upstream): what the
// pull-through cache decided, shaped into HTTP with X-Cache.
import type { Context } from "hono";
import type { PullThrough, Target } from "../../cache/service.ts";
import { Unsupported } from "../../registry/errors.ts";
import type { AppDeps, Env } from "../context.ts";
import type { Route } from "../paths.ts";
import { fileResponse } from "./blobs.ts";
import { getReferrers, pageQuery, respondTags } from "./listing.ts";
import { manifestHeaders } from "./manifests.ts";

function mark(c: Context<Env>, response: Response, cache: string, upstreamFailure?: string): Response {
  c.set("cache", cache);
  if (upstreamFailure) c.set("upstreamFailure", upstreamFailure);
  response.headers.set("X-Cache", cache);
  return response;
}

export async function handleCached(deps: AppDeps, pt: PullThrough, c: Context<Env>, route: Route, target: Target): Promise<Response> {
  const request = c.req.raw;
  const method = request.method;
  if (route.kind === "manifest" && (method === "GET" || method === "HEAD")) {
    const out = await pt.manifest(target, route.reference);
    const m = out.manifest;
    const headers = manifestHeaders({ digest: m.digest, mediaType: m.mediaType, size: m.content.byteLength });
    const response = new Response(method === "HEAD" ? null : (m.content as Uint8Array<ArrayBuffer>), { status: 200, headers });
    return mark(c, response, out.cache, out.upstreamFailure);
  }
  if (route.kind === "blob" && (method === "GET" || method === "HEAD")) {
    const out = await pt.blob(target, route.digest, method, request.headers.has("range"));
    if (out.kind === "file") return mark(c, fileResponse(deps.platform, request, out), out.cache);
    const headers = new Headers({ "Content-Type": "application/octet-stream", "Docker-Content-Digest": out.digest });
    if (out.size !== undefined) headers.set("Content-Length", String(out.size));
    return mark(c, new Response(deps.platform.streamBody(out.body), { status: 200, headers }), out.cache);
  }
  if (route.kind === "tags" && method === "GET") {
    const { n, last } = pageQuery(request);
    return respondTags(route.name, n === 0 ? [] : await pt.tags(target, n, last), n);
  }
  if (route.kind === "referrers" && method === "GET") return getReferrers(deps, request, target.localName, route.digest);
  throw new Unsupported(`${method} is not supported on ${route.name}: a cached repository of upstream "${target.upstream}" is read-only`);
}
