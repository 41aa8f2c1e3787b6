// GET / and /status: the page, or its JSON twin with ?format=json. Access is the
// admin API's rule (loopback, or the admin token) unless server.status_public;
// the gate is passed in, so this file does not decide who may look.
import type { ClientInfo } from "../platform/types.ts";
import { statusPage } from "./page.ts";
import { snapshot, type StatusSource } from "./source.ts";

export type Gate = (request: Request, client: ClientInfo | undefined) => Response | undefined;

export function statusHandler(source: StatusSource, version: string, gate: Gate | undefined) {
  return async (request: Request, client: ClientInfo | undefined): Promise<Response> => {
    const refused = gate?.(request, client);
    if (refused) return refused;
    const s = await snapshot(source, version);
    // A status is a moment: no cache in between may keep an old one.
    const headers = { "Cache-Control": "no-store" };
    if (new URL(request.url).searchParams.get("format") === "json") return Response.json(s, { headers });
    return new Response(statusPage(s), { headers: { ...headers, "Content-Type": "text/html; charset=utf-8" } });
  };
}
