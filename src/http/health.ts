// /healthz: the process is alive and its event loop answers. /readyz: it can
// serve (database, store, not shutting down); 503 with the failing check
// otherwise. Neither needs auth, and neither ever touches an upstream: an
// upstream outage is what regcache is built to ride out, so it must not make
// a load balancer take regcache out of service.
import type { Hono } from "hono";
import type { ReadyReport } from "../status/readiness.ts";
import type { Env } from "./context.ts";

const noStore = { "Cache-Control": "no-store" };

export function mountHealth(app: Hono<Env>, ready: (() => Promise<ReadyReport>) | undefined): void {
  app.get("/healthz", () => new Response("ok\n", { headers: noStore }));
  if (!ready) return;
  app.get("/readyz", async () => {
    const report = await ready();
    return Response.json(report, { status: report.ready ? 200 : 503, headers: noStore });
  });
}
