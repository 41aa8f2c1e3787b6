// Dispatch of everything under /v2/<name>/…: the name is resolved to a
// Repository once (local or cached, see src/repository/types.ts), and every
// route below treats both kinds alike.
import type { Context } from "hono";
import { Unsupported } from "../../repository/errors.ts";
import { checkName } from "../../repository/validate.ts";
import type { AppDeps, Env } from "../context.ts";
import { parseRoute } from "../paths.ts";
import { deleteBlob, getBlob } from "./blobs.ts";
import { getReferrers, getTags } from "./listing.ts";
import { deleteManifest, getManifest, putManifest } from "./manifests.ts";
import { deleteUploadRoute, getUpload, patchUpload, postUpload, putUpload } from "./uploads.ts";

export async function handleV2(deps: AppDeps, c: Context<Env>): Promise<Response> {
  const request = c.req.raw;
  const method = request.method;
  const url = new URL(request.url);
  const route = parseRoute(url.pathname.slice("/v2/".length));
  if (!route) throw new Unsupported(`no such endpoint: ${url.pathname.slice(0, 200)}`);
  checkName(route.name);

  const forWrite = method !== "GET" && method !== "HEAD";
  const repo = deps.repositories(route.name, url.searchParams.get("ns") ?? undefined, forWrite);
  if (repo.upstream) c.set("upstream", repo.upstream);
  const read = method === "GET" || method === "HEAD";

  switch (route.kind) {
    case "manifest":
      if (read) return getManifest(c, repo, route.reference, deps.pulls);
      if (method === "PUT") return putManifest(deps, request, repo, route.reference);
      if (method === "DELETE") return deleteManifest(deps, repo, route.reference);
      break;
    case "blob":
      if (read) return getBlob(deps, c, repo, route.digest);
      if (method === "DELETE") return deleteBlob(repo, route.digest);
      break;
    case "uploads":
      if (method === "POST") return postUpload(request, repo);
      break;
    case "upload":
      if (method === "PATCH") return patchUpload(request, repo, route.id);
      if (method === "PUT") return putUpload(request, repo, route.id);
      if (method === "GET") return getUpload(repo, route.id);
      if (method === "DELETE") return deleteUploadRoute(repo, route.id);
      break;
    case "tags":
      if (method === "GET") return getTags(request, repo);
      break;
    case "referrers":
      if (method === "GET") return getReferrers(request, repo, route.digest);
      break;
  }
  throw new Unsupported(`${method} is not supported on ${url.pathname.slice(0, 200)}`);
}
