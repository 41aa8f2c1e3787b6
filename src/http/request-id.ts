// Every request gets an id: the client's X-Request-Id when it is sane (a proxy in
// front may have assigned one, and keeping it joins both logs), else a fresh one.
// "Sane" is short and log-safe: no spaces, quotes or control characters that
// could forge a log field or a header.
import type { Context } from "hono";
import type { Env } from "./context.ts";

const SANE = /^[A-Za-z0-9._-]{1,64}$/;

export function requestIdOf(incoming: string | null | undefined): string {
  return incoming && SANE.test(incoming) ? incoming : crypto.randomUUID();
}

/** Puts the id on the response; rebuilds a response whose headers are immutable (one passed through from fetch). */
export function withRequestId(c: Context<Env>, id: string): void {
  try {
    c.res.headers.set("X-Request-Id", id);
  } catch {
    const copy = new Response(c.res.body, c.res);
    copy.headers.set("X-Request-Id", id);
    c.res = copy;
  }
}
