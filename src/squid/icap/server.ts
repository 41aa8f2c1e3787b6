// The ICAP server: a TCP listener whose connections carry one message after
// another (Squid keeps one persistent connection per service and reuses it).
// A message that cannot be parsed gets an ICAP error and the connection is
// closed: past a framing error the next message boundary is unknown.
import { createHash } from "node:crypto";
import { type AddressInfo, type Server, type Socket, createServer } from "node:net";
import { IcapError } from "./errors.ts";
import { parseIcapHead } from "./message.ts";
import { ByteReader } from "./reader.ts";
import { icapResponse } from "./respond.ts";
import { ICAP_SERVICE_PATH } from "./service-path.ts";
import { type IcapServiceOptions, answer } from "./service.ts";

const ICAP_HEAD_LIMIT = 64 * 1024;
// Squid may keep an idle connection for long; past this it reconnects, which is cheap.
const IDLE_TIMEOUT_MS = 10 * 60_000;

export interface IcapServerOptions {
  cdnHosts: readonly string[];
  /** cdn_url_patterns, compiled: only matching URLs lose Authorization. */
  blobPatterns: readonly RegExp[];
  log?: (line: string) => void;
}

/** ISTag changes whenever the behaviour does, i.e. with the hosts and patterns. */
export function serviceTag(cdnHosts: readonly string[], blobPatterns: readonly RegExp[]): string {
  const h = createHash("sha256").update(JSON.stringify([cdnHosts, blobPatterns.map((p) => p.source)])).digest("hex").slice(0, 16);
  return `"regcache-${h}"`;
}

export interface IcapServer {
  /** Resolves once listening; rejects with the listen error (e.g. EADDRINUSE). */
  listen(port: number, hostname: string): Promise<void>;
  /** The bound port (useful after listening on port 0). */
  port(): number;
  /** Stops listening and cuts open connections: Squid retries or bypasses. */
  close(): Promise<void>;
}

export function createIcapServer(opts: IcapServerOptions): IcapServer {
  const service: IcapServiceOptions = {
    cdnHosts: opts.cdnHosts,
    blobPatterns: opts.blobPatterns,
    path: ICAP_SERVICE_PATH,
    istag: serviceTag(opts.cdnHosts, opts.blobPatterns),
  };
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
    socket.on("error", () => socket.destroy());
    serve(socket, service, opts.log).catch(() => socket.destroy());
  });
  return {
    listen: (port, hostname) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, hostname, () => {
          server.off("error", reject);
          resolve();
        });
      }),
    port: () => (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function serve(socket: Socket, service: IcapServiceOptions, log?: (line: string) => void): Promise<void> {
  const reader = new ByteReader(socket[Symbol.asyncIterator]());
  const send = (b: Buffer) => void socket.write(b);
  for (;;) {
    let close = false;
    try {
      const head = await reader.readUntil("\r\n\r\n", ICAP_HEAD_LIMIT);
      if (head === undefined) break; // the peer closed between messages
      const req = parseIcapHead(head.toString("latin1").slice(0, -4));
      send(await answer(req, reader, send, service));
      close = /\bclose\b/i.test(req.headers.get("connection") ?? "");
    } catch (err) {
      const status = err instanceof IcapError ? err.status : 500;
      log?.(`icap: ${status} to ${socket.remoteAddress}: ${(err as Error).message}`);
      if (!socket.destroyed) send(icapResponse(status, { istag: service.istag, encapsulated: "null-body=0", close: true }));
      close = true;
    }
    if (close) break;
  }
  // Half-close, then make sure the socket goes even if the peer never reads or closes.
  socket.end();
  setTimeout(() => socket.destroy(), 2_000).unref();
}
