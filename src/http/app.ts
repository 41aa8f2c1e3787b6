// createApp(deps): the HTTP surface of regcache as a hono app. Handlers stay
// thin: they parse the request, call the registry or the cache, and shape the
// response; errors of any layer become OCI JSON in one place (errors.ts).
import { Hono } from "hono";
import { UpstreamError } from "../upstream/index.ts";
import type { AppDeps, Env } from "./context.ts";
import { errorResponse, toWireError } from "./errors.ts";
import { parseRoute } from "./paths.ts";
import { requestLog } from "./request-log.ts";
import { authGate } from "./auth-gate.ts";
import { mountHealth } from "./health.ts"; // operator (issue 15)
import { getCatalog } from "./routes/listing.ts";
import { handleV2 } from "./routes/v2.ts";

export function createApp(deps: AppDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.use("*", requestLog(deps));
  // issue 12: with [auth], /v2/ needs a token; /token issues them. deps.auth is read per request
  // (a SIGHUP may add, change or remove [auth]).
  app.use("*", authGate(() => deps.auth, deps.metrics));
  const tokenRequests = deps.metrics.counter("regcache_auth_token_requests_total", "GET /token answers by status (200 issued, 401 wrong password, 429 throttled, 400 bad request)");
  app.all("/token", async (c) => {
    if (!deps.auth) return noSuchEndpoint(c.req.path, c.req.method);
    const response = await deps.auth.tokenEndpoint(c.req.raw, c.env?.client?.address);
    tokenRequests.inc({ status: String(response.status) });
    return response;
  });

  app.onError((e, c) => {
    const wire = toWireError(e, deps.errorMappers);
    // An operator reading the request log must see why a pull failed, not only why one was STALE.
    if (e instanceof UpstreamError) c.set("upstreamFailure", e.failure);
    if (wire.status >= 500 && wire.code === "INTERNAL") deps.log.error("request failed", { path: c.req.path, error: String(e), stack: (e as Error).stack });
    return errorResponse(wire, c.req.method);
  });

  const base = () =>
    new Response("{}", { status: 200, headers: { "Content-Type": "application/json", "Docker-Distribution-API-Version": "registry/2.0" } });
  app.get("/v2", base);
  app.get("/v2/", base);
  app.get("/v2/_catalog", (c) => getCatalog(deps, c.req.raw));
  app.get("/metrics", () => new Response(deps.metrics.render(), { headers: { "Content-Type": "text/plain; version=0.0.4" } }));
  // operator (issue 15): /healthz, /readyz, and the status page at / and /status.
  mountHealth(app, deps.operator?.ready);
  if (deps.operator) for (const path of ["/", "/status"]) app.get(path, (c) => deps.operator!.status(c.req.raw, c.env?.client));
  // One rule everywhere: 404 for a path that is no endpoint, 405 (with Allow) for an
  // endpoint asked with a method it does not take. GET routes answer HEAD too.
  for (const path of ["/v2", "/v2/", "/v2/_catalog", "/metrics", "/healthz", "/readyz"]) app.all(path, (c) => notAllowed(c.req.method, path));
  app.all("/v2/*", (c) => (parseRoute(c.req.path.slice("/v2/".length)) ? handleV2(deps, c) : noSuchEndpoint(c.req.path, c.req.method)));

  for (const extra of deps.extraRoutes ?? []) app.all(`${extra.prefix}/*`, (c) => extra.fetch(c.req.raw, c.env?.client));

  app.notFound((c) => noSuchEndpoint(c.req.path, c.req.method));
  return app;
}

const noSuchEndpoint = (path: string, method: string) =>
  errorResponse({ status: 404, code: "UNSUPPORTED", message: `no such endpoint: ${path.slice(0, 200)}` }, method);

const notAllowed = (method: string, path: string) =>
  errorResponse({ status: 405, code: "UNSUPPORTED", message: `${method.slice(0, 20)} is not supported on ${path}`, headers: { Allow: "GET, HEAD" } }, method);
