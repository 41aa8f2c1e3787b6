// Platform for Bun: bun:sqlite, Bun.serve (HTTP/1.1, TLS optional), and Bun.file (sendfile for whole files).
import { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sendUnixDatagram } from "./unix-datagram-bun.ts";
import { silentFailure } from "./silent-stream.ts";
import { rootCertificates } from "node:tls";
import { swappableServer } from "./listener-swap.ts";
import type { BlobWriterThread, PinnedServer, Platform, RunningServer, ServeOptions, SqliteClient, WalCheckpointer } from "./types.ts";
import { workerBlobWriter } from "./worker-blob-writer.ts";
import { workerCheckpointer } from "./worker-checkpointer.ts";

/**
 * Where a worker entry point of src/platform is. From the source tree it sits next to
 * this file. In the compiled binary it is a second entry point of `bun build --compile`
 * (build/build.ts): every module's import.meta.url is then the binary's root, under
 * which the entry points keep their paths relative to src/, their common folder (and
 * the binary's embedded files do not show to existsSync).
 */
function workerUrl(file: string): string {
  const beside = new URL(`./${file}`, import.meta.url);
  return existsSync(fileURLToPath(beside)) ? beside.href : new URL(`./platform/${file}`, import.meta.url).href;
}

/** Starts a worker thread that does not keep the process alive by itself (shutdown closes it). */
function startWorker(file: string): Worker {
  const worker = new Worker(workerUrl(file));
  (worker as { unref?: () => void }).unref?.();
  return worker;
}

export const bunPlatform: Platform = {
  runtime: `bun ${Bun.version}`,

  openSqlite(path: string): SqliteClient {
    return new Database(path, { create: true }) as unknown as SqliteClient;
  },

  startCheckpointer(path: string): WalCheckpointer {
    return workerCheckpointer(startWorker("checkpoint-worker-bun.ts"), path);
  },

  startBlobWriter(): BlobWriterThread {
    return workerBlobWriter(startWorker("blob-writer-worker.ts"));
  },

  serve(options: ServeOptions): Promise<RunningServer> {
    const scheme = options.tls ? "https" : "http";
    return swappableServer(options, async (port, tls, reusePort) => {
      const server = Bun.serve({
        hostname: options.hostname,
        port,
        reusePort,
        // HTTP/1.1 only: Bun.serve offers no HTTP/2 (ALPN h2 is not accepted).
        ...(tls ? { tls: { cert: tls.cert, key: tls.key } } : {}),
        fetch: (request, server) => options.fetch(withAbsoluteUrl(request, scheme, options.hostname, server.port), { address: server.requestIP(request)?.address ?? "" }),
        // Layer uploads can be many GiB; limits are enforced per route instead.
        maxRequestBodySize: Number.MAX_SAFE_INTEGER,
        // A cold blob may wait on a slow upstream; 255 s is Bun's maximum idle time.
        idleTimeout: 255,
      });
      return { port: server.port ?? port, stop: (force: boolean) => server.stop(force) };
    });
  },

  fetchPinned(pinned: PinnedServer): typeof fetch {
    // The public roots stay trusted so that a chain ending at one verifies; the configured
    // chain is added for a self-signed or private-CA certificate. Then, instead of the host
    // name (the CLI dials 127.0.0.1), the leaf itself must be the configured one.
    const ca = [...rootCertificates, ...pinned.certificates];
    const checkServerIdentity = (_host: string, cert: { fingerprint256?: string }) =>
      cert.fingerprint256 === pinned.leafFingerprint ? undefined : new Error(`the server's certificate (${cert.fingerprint256}) is not the configured server.tls_cert (${pinned.leafFingerprint})`);
    const tls = pinned.leafFingerprint ? { ca, checkServerIdentity } : { ca };
    return ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, { ...init, tls } as RequestInit)) as typeof fetch;
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
function withAbsoluteUrl(request: Request, scheme: string, hostname: string, port: number | undefined): Request {
  if (!request.url.startsWith("/")) return request;
  const host = hostname === "0.0.0.0" || hostname === "::" ? "localhost" : hostname.includes(":") ? `[${hostname}]` : hostname;
  return new Request(`${scheme}://${host}:${port ?? 80}${request.url}`, request);
}
