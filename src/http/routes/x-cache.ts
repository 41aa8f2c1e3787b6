// X-Cache on answers of cached repositories (HIT, MISS, REVALIDATED, STALE),
// and the same facts for the request log.
import type { Context } from "hono";
import type { CacheOutcome } from "../../repository/types.ts";
import type { Env } from "../context.ts";

export function markCache(c: Context<Env>, response: Response, cache: CacheOutcome | undefined, upstreamFailure?: string, upstreamCache?: string): Response {
  if (cache === undefined) return response;
  c.set("cache", cache);
  if (upstreamCache) c.set("upstreamCache", upstreamCache);
  if (upstreamFailure) c.set("upstreamFailure", upstreamFailure);
  response.headers.set("X-Cache", cache);
  return response;
}
