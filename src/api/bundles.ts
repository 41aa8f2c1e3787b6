// Bundle resources of the admin API (docs: README "Disconnected sites"):
//   POST /api/v1/bundles/export   {"refs": [...], "platforms": [], "referrers": false, "offline": false}
//                                 → 200 application/x-tar, an OCI image layout, streamed; X-Bundle-Bytes is its length
//                                 (also sent as Content-Length, which some runtimes drop from a streamed body)
//   POST /api/v1/bundles/import   body: application/x-tar (?fresh_for=24h, ?image=REF repeated)
//                                 → 200 {"images": [{ref, digest, state, error?}], "blobs": {...}}
import * as v from "valibot";
import { parseDuration } from "../config/units.ts";
import type { Bundles } from "../bundle/service.ts";
import type { AdminRoutes } from "./app.ts";
import { ApiError } from "./errors.ts";

const exportBody = v.strictObject(
  {
    refs: v.pipe(v.array(v.string("refs: expected strings"), "refs: expected a list of references"), v.minLength(1, "refs: name at least one image"), v.maxLength(10_000, "refs: at most 10000 images at once")),
    platforms: v.optional(v.array(v.pipe(v.string(), v.regex(/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/, "platforms: expected entries like \"linux/amd64\""))), []),
    referrers: v.optional(v.boolean(), false),
    offline: v.optional(v.boolean(), false),
  },
  "expected a JSON object",
);

export function bundleRoutes(bundles: Bundles): AdminRoutes {
  return (app) => {
    app.post("/bundles/export", async (c) => {
      let json: unknown;
      try {
        json = await c.req.raw.json();
      } catch {
        throw new ApiError(400, "expected a JSON body");
      }
      const parsed = v.safeParse(exportBody, json);
      if (!parsed.success) throw new ApiError(400, parsed.issues[0].message);
      const out = await bundles.export(parsed.output.refs, parsed.output);
      return new Response(out.body, { headers: { "content-type": "application/x-tar", "content-length": String(out.length), "x-bundle-bytes": String(out.length), "x-bundle-images": String(out.images) } });
    });
    app.post("/bundles/import", async (c) => {
      if (!/^application\/x-tar\s*(;|$)/i.test(c.req.header("content-type") ?? "")) throw new ApiError(400, "expected an application/x-tar body");
      const url = new URL(c.req.url);
      const fresh = url.searchParams.get("fresh_for");
      const freshForMs = fresh === null ? undefined : parseDuration(fresh);
      if (fresh !== null && freshForMs === undefined) throw new ApiError(400, `fresh_for: expected a duration like "24h", got ${JSON.stringify(fresh.slice(0, 20))}`);
      const body = c.req.raw.body;
      if (!body) throw new ApiError(400, "expected a tar body");
      return c.json(await bundles.import(body, { images: url.searchParams.getAll("image"), freshForMs }));
    });
  };
}
