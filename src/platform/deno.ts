// Platform for Deno: node:sqlite behind a bun:sqlite-shaped adapter, Deno.serve,
// and node:fs read streams for file bodies.
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { DatabaseSync } from "node:sqlite";
import { adaptNodeSqlite } from "./node-sqlite-adapter.ts";
import { swappableServer } from "./listener-swap.ts";
import { PlatformError, type PinnedServer, type Platform, type RunningServer, type ServeOptions, type SqliteClient, type WalCheckpointer, type BlobWriterThread } from "./types.ts";
import { workerBlobWriter } from "./worker-blob-writer.ts";
import { workerCheckpointer } from "./worker-checkpointer.ts";

// Only the members of the Deno namespace we use, so the rest of the code
// type-checks without Deno's type definitions.
interface DenoServer {
  finished: Promise<void>;
  shutdown(): Promise<void>;
  addr: { port: number };
}
declare const Deno: {
  version: { deno: string };
  serve(
    options: { hostname: string; port: number; reusePort?: boolean; cert?: string; key?: string; onListen?: (addr: { port: number }) => void },
    handler: (request: Request, info: { remoteAddr: { hostname?: string } }) => Response | Promise<Response>,
  ): DenoServer;
  createHttpClient(options: { caCerts: string[] }): unknown;
  /** Present only with --unstable-net. */
  listenDatagram?: unknown;
};

export const denoPlatform: Platform = {
  runtime: `deno ${Deno.version.deno}`,

  openSqlite(path: string): SqliteClient {
    return adaptNodeSqlite(new DatabaseSync(path));
  },

  startCheckpointer(path: string): WalCheckpointer {
    // Deno's workers are modules and inherit the process's permissions.
    return workerCheckpointer(new Worker(new URL("./checkpoint-worker-deno.ts", import.meta.url).href, { type: "module" }), path);
  },

  startBlobWriter(): BlobWriterThread {
    return workerBlobWriter(new Worker(new URL("./blob-writer-worker.ts", import.meta.url).href, { type: "module" }));
  },

  serve(options: ServeOptions): Promise<RunningServer> {
    return swappableServer(options, async (port, tls, reusePort) => {
      // Deno ends the process (exit 70) instead of throwing when reusePort is used without
      // --unstable-net; listenDatagram exists only with that flag, so ask it first.
      if (reusePort && typeof Deno.listenDatagram !== "function") throw new PlatformError("HTTPS under Deno needs the --unstable-net flag: a renewed certificate is served by a second listener on the same port (SO_REUSEPORT)");
      // With cert and key, Deno.serve speaks HTTPS and offers HTTP/2 by ALPN.
      const server = Deno.serve({ hostname: options.hostname, port, reusePort, ...(tls ? { cert: tls.cert, key: tls.key } : {}), onListen: () => {} }, (request, info) =>
        options.fetch(tls ? withHostOfHttp2(request) : request, { address: info.remoteAddr.hostname ?? "" }),
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
    });
  },

  fetchPinned(pinned: PinnedServer): typeof fetch {
    // Deno's fetch (rustls) takes extra trust anchors but no replacement for the host-name
    // check: the URL must name the certificate (an intermediate as anchor is enough).
    const client = Deno.createHttpClient({ caCerts: pinned.certificates });
    return ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, { ...init, client } as RequestInit)) as typeof fetch;
  },

  // Deno ends a response whose stream fails without printing anything.
  streamBody: (stream) => stream,

  fileBody(path: string, start: number, end: number): BodyInit {
    if (end < start) return new Uint8Array(0);
    return Readable.toWeb(createReadStream(path, { start, end })) as unknown as ReadableStream<Uint8Array>;
  },
};

/**
 * An HTTP/2 request has no Host header: its :authority, which Deno puts in the URL, is what
 * HTTP/1.1 sends as Host (RFC 9113 §8.3.1). Checks that read Host (the admin API's loopback
 * rule) get it as a header, as they do over HTTP/1.1. Only over TLS, where Deno speaks h2.
 */
function withHostOfHttp2(request: Request): Request {
  if (request.headers.has("host")) return request;
  const headers = new Headers(request.headers);
  headers.set("host", new URL(request.url).host);
  return new Request(request, { headers });
}
