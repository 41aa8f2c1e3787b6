// Prefetch resources of the admin API:
//   GET  /api/v1/prefetch/images            tagged images of cached repositories, complete or not
//                                           (?repository=docker.io/library/nginx, ?incomplete=true)
//   GET  /api/v1/prefetch/queue             job counts, paused upstreams, jobs (?limit=, default 100)
//   POST /api/v1/prefetch/sweep             run a sweep now (queues what incomplete images miss)
//   POST /api/v1/prefetch/pulls             {"refs": ["docker.io/library/nginx:1.27"], "platforms": []} → 202, a pull run
//   GET  /api/v1/prefetch/pulls/{id}        its progress (what `regcache prefetch` polls)
//   GET  /api/v1/prefetch/schedules         the cron schedules, next and last runs
//   POST /api/v1/prefetch/schedules/{name}/run   run one now; answers when it finished (?wait=false: at once)
import * as v from "valibot";
import { PrefetchNotFound } from "../prefetch/errors.ts";
import type { PrefetchApi } from "../prefetch/service.ts";
import type { AdminRoutes } from "./app.ts";
import { ApiError } from "./errors.ts";

const pullBody = v.strictObject(
  {
    refs: v.pipe(v.array(v.string("refs: expected strings"), "refs: expected a list of references"), v.minLength(1, "refs: name at least one image"), v.maxLength(100, "refs: at most 100 images at once")),
    platforms: v.optional(v.array(v.pipe(v.string(), v.regex(/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/, "platforms: expected entries like \"linux/amd64\""))), []),
  },
  "expected a JSON object",
);

async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new ApiError(400, "expected a JSON body");
  }
}

function limitOf(url: URL): number {
  const raw = url.searchParams.get("limit");
  if (raw === null) return 100;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 10_000) throw new ApiError(400, `limit: expected a whole number from 1 to 10000, got ${JSON.stringify(raw.slice(0, 20))}`);
  return Number(raw);
}

/** The routes, over a prefetcher that is started by the time requests arrive. */
export function prefetchRoutes(prefetch: () => PrefetchApi): AdminRoutes {
  return (app) => {
    app.get("/prefetch/images", (c) => {
      const url = new URL(c.req.url);
      const incomplete = url.searchParams.get("incomplete");
      return c.json({ images: prefetch().images({ repository: url.searchParams.get("repository") ?? undefined, incomplete: incomplete === "true" || incomplete === "1" }) });
    });
    app.get("/prefetch/queue", (c) => c.json(prefetch().queue(limitOf(new URL(c.req.url)))));
    app.post("/prefetch/sweep", (c) => c.json(prefetch().sweep()));
    app.post("/prefetch/pulls", async (c) => {
      const parsed = v.safeParse(pullBody, await readJson(c.req.raw));
      if (!parsed.success) throw new ApiError(400, parsed.issues[0].message);
      const run = prefetch().startPull(parsed.output.refs, parsed.output.platforms);
      return c.json(run, 202, { Location: `/api/v1/prefetch/pulls/${run.id}` });
    });
    app.get("/prefetch/pulls/:id", (c) => c.json(prefetch().pull(c.req.param("id"))));
    app.get("/prefetch/schedules", (c) => c.json({ schedules: prefetch().schedules() }));
    app.post("/prefetch/schedules/:name/run", async (c) => {
      const running = prefetch().runSchedule(c.req.param("name"));
      if (new URL(c.req.url).searchParams.get("wait") === "false") {
        running.catch(() => {});
        return c.json({ started: true }, 202);
      }
      try {
        return c.json({ ok: true, result: await running });
      } catch (e) {
        if (e instanceof PrefetchNotFound) throw e;
        // The run itself failed (upstream down): a result to report, not an API error.
        return c.json({ ok: false, error: (e as Error).message, failure: (e as { failure?: string }).failure ?? "internal" });
      }
    });
  };
}
