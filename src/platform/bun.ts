// Platform for Bun: bun:sqlite, Bun.serve, and Bun.file (sendfile for whole files).
import { Database } from "bun:sqlite";
import { sendUnixDatagram } from "./unix-datagram-bun.ts";
import { silentFailure } from "./silent-stream.ts";
import type { Platform, RunningServer, ServeOptions, SqliteClient } from "./types.ts";

export const bunPlatform: Platform = {
  runtime: `bun ${Bun.version}`,

  openSqlite(path: string): SqliteClient {
    return new Database(path, { create: true }) as unknown as SqliteClient;
  },

  async serve(options: ServeOptions): Promise<RunningServer> {
    const server = Bun.serve({
      hostname: options.hostname,
      port: options.port,
      fetch: (request, server) => options.fetch(withAbsoluteUrl(request, options.hostname, server.port), { address: server.requestIP(request)?.address ?? "" }),
      // Layer uploads can be many GiB; limits are enforced per route instead.
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      // A cold blob may wait on a slow upstream; 255 s is Bun's maximum idle time.
      idleTimeout: 255,
    });
    return {
      port: server.port ?? options.port,
      stop: (force: boolean) => server.stop(force),
    };
  },

  streamBody: silentFailure,

  fileBody(path: string, start: number, end: number): BodyInit {
    return Bun.file(path).slice(start, end + 1);
  },

  sendUnixDatagram,
};

/**
 * Bun gives a request without a Host header (HTTP/1.0) a bare path as its url
 * ("/v2/x/manifests/1"); hono slices the path from after "scheme://host", and
 * routed such a request on its last character. An absolute URL on the listen
 * address is what every other request has. The Host header stays absent, so
 * checks that need one (the admin API's) still see that it is missing.
 */
function withAbsoluteUrl(request: Request, hostname: string, port: number | undefined): Request {
  if (!request.url.startsWith("/")) return request;
  const host = hostname === "0.0.0.0" || hostname === "::" ? "localhost" : hostname.includes(":") ? `[${hostname}]` : hostname;
  return new Request(`http://${host}:${port ?? 80}${request.url}`, request);
}
