// The admin REST API under /api/v1/, shaped like Project Quay's where Quay has
// the same thing. Each resource lives in its own file and registers its routes
// on the sub-app here; createApp mounts it through AppDeps.extraRoutes.
import { Hono } from "hono";
import type { RegistryContext } from "../registry/context.ts";
import type { Logger } from "../telemetry/log.ts";
import { allowedMethods } from "./method-not-allowed.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import { toApiAnswer } from "./errors.ts";


export interface AdminDeps {
  registry: RegistryContext;
  log: Logger;
  metrics: Metrics;
}

/** A resource's routes: a function that adds them to the admin app. */
export type AdminRoutes = (app: Hono, deps: AdminDeps) => void;

export function createAdminApi(deps: AdminDeps, resources: AdminRoutes[]): Hono {
  const app = new Hono().basePath("/api/v1");
  app.onError((e, c) => {
    const answer = toApiAnswer(e);
    if (answer) return c.json(answer.body, answer.status);
    deps.log.error("admin request failed", { path: c.req.path, error: String(e) });
    return c.json({ error: "internal error; see the regcache log" }, 500);
  });
  for (const add of resources) add(app, deps);
  app.notFound((c) => {
    const allow = allowedMethods(app, c.req.path);
    if (allow.length) return c.json({ error: `${c.req.method} is not supported on ${c.req.path}` }, 405, { Allow: allow.join(", ") });
    return c.json({ error: `no such endpoint: ${c.req.path.slice(0, 200)}` }, 404);
  });
  return app;
}
