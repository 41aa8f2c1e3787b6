// Storage resources of the admin API (issue 11, disk lifecycle):
//   GET  /api/v1/storage            usage by upstream and repository, pinned vs evictable,
//                                   free space and the quota (what `regcache du` prints)
//   POST /api/v1/storage/gc         {"dry_run": false} → 202, a GC run (joins the one running)
//   GET  /api/v1/storage/gc/{id}    its progress and what it freed (what `regcache gc` polls)
import * as v from "valibot";
import type { Lifecycle } from "../lifecycle/service.ts";
import type { AdminRoutes } from "./app.ts";
import { ApiError } from "./errors.ts";

const gcBody = v.strictObject({ dry_run: v.optional(v.boolean("dry_run: expected true or false"), false) }, "expected a JSON object like {\"dry_run\": true}");

export function storageRoutes(lifecycle: Lifecycle): AdminRoutes {
  return (app) => {
    app.get("/storage", (c) => c.json(lifecycle.report()));
    app.post("/storage/gc", async (c) => {
      const text = await c.req.text();
      let body: unknown = {};
      if (text.trim() !== "") {
        try {
          body = JSON.parse(text);
        } catch {
          throw new ApiError(400, "expected a JSON body");
        }
      }
      const parsed = v.safeParse(gcBody, body);
      if (!parsed.success) throw new ApiError(400, parsed.issues[0].message);
      const run = lifecycle.startGc({ dryRun: parsed.output.dry_run, trigger: "admin" });
      return c.json(run, 202, { Location: `/api/v1/storage/gc/${run.id}` });
    });
    app.get("/storage/gc/:id", (c) => {
      const run = lifecycle.gcRun(c.req.param("id"));
      if (!run) throw new ApiError(404, `no garbage collection run ${JSON.stringify(c.req.param("id").slice(0, 64))}`);
      return c.json(run);
    });
  };
}
