// Immutability policies and tag immutability, Quay-shaped:
//   GET/POST        /api/v1/organization/{ns}/immutabilitypolicy/          (?dryRun=true on POST)
//   GET/PUT/DELETE  /api/v1/organization/{ns}/immutabilitypolicy/{uuid}    (?dryRun=true on PUT)
//   the same under  /api/v1/repository/{ns}/{repo}/immutabilitypolicy/    ({repo} may span slashes)
//   GET             /api/v1/repository/{ns}/{repo}/tag/                    (?limit&page&onlyImmutable)
//   PUT             /api/v1/repository/{ns}/{repo}/tag/{tag}               {"immutable": true|false}
//   GET             /api/v1/immutabilitypolicy/                            every policy (?namespace=)
// Handlers parse and shape; the work and the logging are in policy/.
import type { Context, Next } from "hono";
import type { Immutability } from "../policy/index.ts";
import type { AdminRoutes } from "./app.ts";
import { ApiError } from "./errors.ts";
import { createBody, readBody, tagBody, updateBody } from "./immutability-body.ts";
import { dryRunJson, policyJson, tagJson } from "./immutability-json.ts";
import { type AdminTarget, parseAdminPath } from "./immutability-paths.ts";

const MAX_LIMIT = 10_000;

function flag(url: URL, name: string): boolean {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "false" || raw === "0") return false;
  if (raw === "true" || raw === "1" || raw === "") return true;
  throw new ApiError(400, `${name}: expected true or false, got ${JSON.stringify(raw.slice(0, 20))}`);
}

function positive(url: URL, name: string, fallback: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > max) throw new ApiError(400, `${name}: expected a whole number from 1 to ${max}, got ${JSON.stringify(raw.slice(0, 20))}`);
  return n;
}

async function dispatch(im: Immutability, target: AdminTarget, request: Request, url: URL): Promise<Response | undefined> {
  const method = request.method;
  const json = (body: unknown, status = 200) => Response.json(body, { status });
  switch (target.kind) {
    case "invalid":
      throw new ApiError(400, target.message);
    case "all-policies":
      if (method !== "GET") return undefined;
      return json({ policies: im.policies.list({ namespace: url.searchParams.get("namespace") ?? undefined }).map(policyJson) });
    case "policies":
      if (method === "GET") return json({ policies: im.policies.list(target.scope).map(policyJson) });
      if (method !== "POST") return undefined;
      {
        const dry = flag(url, "dryRun");
        const body = await readBody(request, createBody);
        if (dry) return json(dryRunJson(body, im.dryRun(target.scope, body)));
        const { policy, created } = im.policies.create(target.scope, body);
        return json(policyJson(policy), created ? 201 : 200);
      }
    case "policy":
      if (method === "GET") return json(policyJson(im.policies.get(target.scope, target.uuid)));
      if (method === "DELETE") {
        im.policies.remove(target.scope, target.uuid);
        return new Response(null, { status: 204 });
      }
      if (method !== "PUT") return undefined;
      {
        const dry = flag(url, "dryRun");
        const change = await readBody(request, updateBody);
        if (dry) {
          const rule = { ...im.policies.get(target.scope, target.uuid), ...change };
          return json(dryRunJson(rule, im.dryRun(target.scope, rule, { except: target.uuid })));
        }
        return json(policyJson(im.policies.update(target.scope, target.uuid, change)));
      }
    case "tags": {
      if (method !== "GET") return undefined;
      const page = im.tags.list(target.repository, { limit: positive(url, "limit", 100, MAX_LIMIT), page: positive(url, "page", 1, Number.MAX_SAFE_INTEGER), onlyImmutable: flag(url, "onlyImmutable") });
      return json({ tags: page.tags.map(tagJson), page: page.page, has_additional: page.hasAdditional });
    }
    case "tag": {
      if (method !== "PUT") return undefined;
      const { immutable } = await readBody(request, tagBody);
      return json(tagJson(im.tags.setMark(target.repository, target.tag, immutable)));
    }
  }
}

export function immutabilityRoutes(im: Immutability): AdminRoutes {
  return (app) => {
    const handle = async (c: Context, next: Next) => {
      const url = new URL(c.req.url);
      const target = parseAdminPath(url.pathname.replace(/^\/api\/v1\//, ""), c.req.method);
      // Not ours: other resources may serve other paths under /repository/.
      if (!target) return next();
      const response = await dispatch(im, target, c.req.raw, url);
      if (!response) throw new ApiError(405, `${c.req.method} is not supported on ${url.pathname.slice(0, 200)}`);
      return response;
    };
    for (const path of ["/organization/*", "/repository/*", "/immutabilitypolicy", "/immutabilitypolicy/*"]) app.all(path, handle);
  };
}
