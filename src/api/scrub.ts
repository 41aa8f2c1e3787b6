// Scrub resources of the admin API:
//   POST /api/v1/scrub               {"dry_run": false} → 202, a run (Location: its URL);
//                                    409 {"error", "run"} while one runs, with that run's progress
//   GET  /api/v1/scrub               {"running", "last", "schedule", "next_run", "rate"}
//   GET  /api/v1/scrub/runs/{id}     a run's progress and findings (what `regcache scrub` polls)
import * as v from "valibot";
import type { Scrubber } from "../scrub/service.ts";
import type { AdminRoutes } from "./app.ts";
import { ApiError } from "./errors.ts";

const startBody = v.strictObject({ dry_run: v.optional(v.boolean("dry_run: expected true or false"), false) }, "expected a JSON object like {\"dry_run\": true}");

async function readBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, "expected a JSON body like {\"dry_run\": true}");
  }
}

export function scrubRoutes(scrubber: () => Scrubber): AdminRoutes {
  return (app) => {
    app.post("/scrub", async (c) => {
      const parsed = v.safeParse(startBody, await readBody(c.req.raw));
      if (!parsed.success) throw new ApiError(400, parsed.issues[0].message);
      const run = scrubber().begin(parsed.output.dry_run);
      return c.json(run, 202, { Location: `/api/v1/scrub/runs/${run.id}` });
    });
    app.get("/scrub", (c) => c.json(scrubber().status()));
    app.get("/scrub/runs/:id", (c) => c.json(scrubber().run(c.req.param("id"))));
  };
}
