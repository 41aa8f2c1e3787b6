// One JSON log line per request, with the cache outcome and upstream failure
// class that handlers leave in the context, plus request metrics.
import type { MiddlewareHandler } from "hono";
import type { AppDeps, Env } from "./context.ts";

export function requestLog(deps: AppDeps): MiddlewareHandler<Env> {
  const requests = deps.metrics.counter("regcache_http_requests_total", "HTTP requests by method, status class and cache outcome");
  return async (c, next) => {
    const started = performance.now();
    await next();
    const status = c.res.status;
    const cache = c.get("cache");
    requests.inc({ method: c.req.method, status: `${Math.floor(status / 100)}xx`, cache: cache ?? "" });
    deps.log.info("request", {
      method: c.req.method,
      path: c.req.path,
      status,
      bytes: Number(c.res.headers.get("content-length") ?? 0),
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
      ...(c.get("upstream") ? { upstream: c.get("upstream") } : {}),
      ...(cache ? { cache } : {}),
      ...(c.get("upstreamFailure") ? { upstream_failure: c.get("upstreamFailure") } : {}),
    });
  };
}
