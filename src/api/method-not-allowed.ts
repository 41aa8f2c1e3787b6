// 404 or 405 for a request no admin route answered: the same rule as the
// registry's (404: no such endpoint; 405: the endpoint exists, the method does
// not). hono's notFound fires for both, so the registered routes are consulted.
import type { Hono } from "hono";

const patternOf = (path: string) =>
  new RegExp(`^${path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\/:[^/]+/g, "/[^/]+").replace(/\*/g, ".*")}/?$`);

/** The methods registered for `path` (HEAD comes with GET), or [] when no route matches it. */
export function allowedMethods(app: Hono, path: string): string[] {
  const methods = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL" || !patternOf(route.path).test(path)) continue;
    methods.add(route.method);
    if (route.method === "GET") methods.add("HEAD");
  }
  return [...methods];
}
