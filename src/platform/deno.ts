// Platform for Deno: node:sqlite behind a bun:sqlite-shaped adapter, Deno.serve,
// and node:fs read streams for file bodies.
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { DatabaseSync } from "node:sqlite";
import { adaptNodeSqlite } from "./node-sqlite-adapter.ts";
import type { Platform, RunningServer, ServeOptions, SqliteClient } from "./types.ts";

// Only the two members of the Deno namespace we use, so the rest of the code
// type-checks without Deno's type definitions.
declare const Deno: {
  version: { deno: string };
  serve(
    options: { hostname: string; port: number; onListen?: (addr: { port: number }) => void },
    handler: (request: Request, info: { remoteAddr: { hostname?: string } }) => Response | Promise<Response>,
  ): { finished: Promise<void>; shutdown(): Promise<void>; addr: { port: number } };
};

export const denoPlatform: Platform = {
  runtime: `deno ${Deno.version.deno}`,

  openSqlite(path: string): SqliteClient {
    return adaptNodeSqlite(new DatabaseSync(path));
  },

  async serve(options: ServeOptions): Promise<RunningServer> {
    const server = Deno.serve({ hostname: options.hostname, port: options.port, onListen: () => {} }, (request, info) =>
      options.fetch(request, { address: info.remoteAddr.hostname ?? "" }),
    );
    let draining: Promise<void> | undefined;
    return {
      port: server.addr.port,
      stop: (force: boolean) => {
        // shutdown() stops accepting and waits for in-flight requests, however long.
        draining ??= server.shutdown();
        // Deno has no way to cut connections once that has begun (aborting Deno.serve's
        // signal then throws BadResource), and a client that stalls a blob download would
        // hold shutdown() open for good. So a forced stop does not wait: the caller exits
        // the process next, and that ends the remaining transfers.
        return force ? Promise.resolve() : draining;
      },
    };
  },

  // Deno ends a response whose stream fails without printing anything.
  streamBody: (stream) => stream,

  fileBody(path: string, start: number, end: number): BodyInit {
    if (end < start) return new Uint8Array(0);
    return Readable.toWeb(createReadStream(path, { start, end })) as unknown as ReadableStream<Uint8Array>;
  },
};
