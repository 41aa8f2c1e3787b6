// Platform for Bun: bun:sqlite, Bun.serve, and Bun.file (sendfile for whole files).
import { Database } from "bun:sqlite";
import { sendUnixDatagram } from "./unix-datagram-bun.ts";
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
      fetch: (request, server) => options.fetch(request, { address: server.requestIP(request)?.address ?? "" }),
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

  fileBody(path: string, start: number, end: number): BodyInit {
    return Bun.file(path).slice(start, end + 1);
  },

  sendUnixDatagram,
};
