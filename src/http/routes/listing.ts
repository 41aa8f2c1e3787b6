// Tags list, catalog and referrers, with n/last pagination and Link headers.
import { OCI_INDEX } from "../../oci/media-types.ts";
import { QueryInvalid } from "../../repository/errors.ts";
import type { Repository } from "../../repository/types.ts";
import { listRepositories, MAX_PAGE } from "../../registry/listing.ts";
import type { AppDeps } from "../context.ts";

/** n and last from the query; n absent means "everything" (bounded by the registry's page limit). */
export function pageQuery(request: Request): { n: number | undefined; last: string | undefined } {
  const q = new URL(request.url).searchParams;
  const rawN = q.get("n");
  let n: number | undefined;
  if (rawN !== null) {
    if (!/^\d+$/.test(rawN)) throw new QueryInvalid(`n must be a non-negative integer, got ${JSON.stringify(rawN.slice(0, 20))}`);
    n = Number(rawN);
  }
  return { n, last: q.get("last") ?? undefined };
}

/**
 * A page of tags or repositories. Link (rel="next") is sent only while more
 * follow; `more` undefined (a page from elsewhere) falls back to "the page is full".
 */
function paged(path: string, key: "tags" | "repositories", items: string[], n: number | undefined, more: boolean | undefined, extra: Record<string, unknown>): Response {
  const headers = new Headers({ "Content-Type": "application/json" });
  const next = more ?? (n !== undefined && n > 0 && items.length === n);
  if (next && items.length > 0) {
    const link = `${path}?n=${n ?? MAX_PAGE}&last=${encodeURIComponent(items[items.length - 1]!)}`;
    headers.set("Link", `<${link}>; rel="next"`);
  }
  return new Response(JSON.stringify({ ...extra, [key]: items }), { status: 200, headers });
}

export async function getTags(request: Request, repo: Repository): Promise<Response> {
  const { n, last } = pageQuery(request);
  const page = n === 0 ? { items: [], more: false } : await repo.tags(n, last);
  return paged(`/v2/${repo.name}/tags/list`, "tags", page.items, n, page.more, { name: repo.name });
}

export function getCatalog(deps: AppDeps, request: Request): Response {
  const { n, last } = pageQuery(request);
  const page = listRepositories(deps.registry, n ?? Number.MAX_SAFE_INTEGER, last);
  return paged("/v2/_catalog", "repositories", page.items, n, page.more, {});
}

export async function getReferrers(request: Request, repo: Repository, digest: string): Promise<Response> {
  const artifactType = new URL(request.url).searchParams.get("artifactType") ?? undefined;
  const index = await repo.referrers(digest, artifactType);
  const headers = new Headers({ "Content-Type": OCI_INDEX });
  if (artifactType !== undefined) headers.set("OCI-Filters-Applied", "artifactType");
  return new Response(JSON.stringify(index), { status: 200, headers });
}
