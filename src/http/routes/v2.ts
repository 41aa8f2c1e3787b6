// Dispatch of everything under /v2/<name>/…: local repositories go to the
// registry routes, repositories of an upstream to the pull-through cache.
import type { Context } from "hono";
import { Unsupported } from "../../repository/errors.ts";
import { checkName } from "../../repository/validate.ts";
import type { AppDeps, Env } from "../context.ts";
import { handleCached } from "./cached.ts";
import { parseRoute } from "../paths.ts";
import { deleteLocalBlob, getLocalBlob } from "./blobs.ts";
import { getReferrers, getLocalTags } from "./listing.ts";
import { deleteLocalManifest, getLocalManifest, putLocalManifest } from "./manifests.ts";
import { deleteUploadRoute, getUpload, patchUpload, postUpload, putUpload } from "./uploads.ts";

function notAllowed(method: string, what: string): never {
  throw new Unsupported(`${method} is not supported on ${what}`);
}

export async function handleV2(deps: AppDeps, c: Context<Env>): Promise<Response> {
  const request = c.req.raw;
  const method = request.method;
  const url = new URL(request.url);
  const route = parseRoute(url.pathname.slice("/v2/".length));
  if (!route) throw new Unsupported(`no such endpoint: ${url.pathname.slice(0, 200)}`);
  checkName(route.name);

  const forWrite = method !== "GET" && method !== "HEAD";
  const target = deps.pullThrough?.resolve(route.name, url.searchParams.get("ns") ?? undefined, forWrite);
  if (target) return handleCached(deps, deps.pullThrough!, c, route, target);

  switch (route.kind) {
    case "manifest":
      if (method === "GET" || method === "HEAD") return getLocalManifest(deps, request, route.name, route.reference);
      if (method === "PUT") return putLocalManifest(deps, request, route.name, route.reference);
      if (method === "DELETE") return deleteLocalManifest(deps, route.name, route.reference);
      break;
    case "blob":
      if (method === "GET" || method === "HEAD") return getLocalBlob(deps, request, route.name, route.digest);
      if (method === "DELETE") return deleteLocalBlob(deps, route.name, route.digest);
      break;
    case "uploads":
      if (method === "POST") return postUpload(deps, request, route.name);
      break;
    case "upload":
      if (method === "PATCH") return patchUpload(deps, request, route.name, route.id);
      if (method === "PUT") return putUpload(deps, request, route.name, route.id);
      if (method === "GET") return getUpload(deps, route.name, route.id);
      if (method === "DELETE") return deleteUploadRoute(deps, route.name, route.id);
      break;
    case "tags":
      if (method === "GET") return getLocalTags(deps, request, route.name);
      break;
    case "referrers":
      if (method === "GET") return getReferrers(deps, request, route.name, route.digest);
      break;
  }
  notAllowed(method, url.pathname.slice(0, 200));
}
