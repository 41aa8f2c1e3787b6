// One JSON log line per request, with the cache outcome and upstream failure
// class that handlers leave in the context, plus request metrics.
import type { MiddlewareHandler } from "hono";
import type { AppDeps, Env } from "./context.ts";
import { requestIdOf, withRequestId } from "./request-id.ts"; // operator (issue 15)

export function requestLog(deps: AppDeps): MiddlewareHandler<Env> {
  const requests = deps.metrics.counter("regcache_http_requests_total", "HTTP requests by method, status class and cache outcome");
  return async (c, next) => {
    const started = performance.now();
    const requestId = requestIdOf(c.req.header("x-request-id")); // operator (issue 15)
    await next();
    withRequestId(c, requestId); // operator (issue 15)
    const status = c.res.status;
    const cache = c.get("cache");
    requests.inc({ method: c.req.method, status: `${Math.floor(status / 100)}xx`, cache: cache ?? "" });
    deps.log.info("request", {
      request_id: requestId, // operator (issue 15)
      method: c.req.method,
      path: c.req.path,
      status,
      bytes: Number(c.res.headers.get("content-length") ?? 0),
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
      ...(c.get("upstream") ? { upstream: c.get("upstream") } : {}),
      ...(cache ? { cache } : {}),
      ...(c.get("upstreamCache") ? { upstream_cache: c.get("upstreamCache") } : {}),
      ...(c.get("upstreamFailure") ? { upstream_failure: c.get("upstreamFailure") } : {}),
      ...(c.get("user") ? { user: c.get("user") } : {}), // issue 12: who, when [auth] is on
    });
    // operator (issue 15): the status page's traffic counters, from the same facts as the log line.
    deps.operator?.onRequest({ time: Date.now(), method: c.req.method, path: c.req.path, status, requestId, cache, upstreamFailure: c.get("upstreamFailure"), ns: c.req.query("ns") });
  };
}
