import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { listenOnLoopback } from "./listen.ts";
import { freePort } from "./ports.ts";

export { startCorruptingProxy, type BlobFault, type CorruptingProxy } from "./corrupting-proxy.ts";

// Stand-ins for an upstream that fails in one particular way, all on 127.0.0.1.

export interface Standin {
  /** "http://127.0.0.1:PORT" */
  readonly url: string;
  /** "127.0.0.1:PORT" */
  readonly host: string;
  readonly port: number;
  /** Connections (blackHole) or requests (the HTTP ones) received so far. */
  hits(): number;
  stop(): Promise<void>;
}

/** A body no client may ever see: regcache must answer with its own OCI error instead. */
export const SECRET_503_BODY = "UPSTREAM-SECRET-503";
export const SECRET_429_BODY = "UPSTREAM-SECRET-429";

function standinAt(port: number, hits: () => number, close: () => Promise<void>): Standin {
  return { url: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, port, hits, stop: close };
}

/** A port nobody listens on: connections are refused. */
export async function closedPort(): Promise<Standin> {
  return standinAt(await freePort(), () => 0, async () => {});
}

/** Accepts TCP connections and never sends a byte: only a client timeout ends the wait. */
export async function blackHole(): Promise<Standin> {
  let hits = 0;
  const server = createTcpServer(() => {
    hits++;
  });
  const { port, close } = await listenOnLoopback(server);
  return standinAt(port, () => hits, close);
}

/** Accepts TCP connections and resets each at once (a dead mirror behind a load balancer): counts connection attempts. */
export async function resetter(): Promise<Standin> {
  let hits = 0;
  const server = createTcpServer((socket) => {
    hits++;
    socket.resetAndDestroy();
  });
  const { port, close } = await listenOnLoopback(server);
  return standinAt(port, () => hits, close);
}

async function answerEvery(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Standin> {
  let hits = 0;
  const server = createHttpServer((req, res) => {
    hits++;
    handler(req, res);
  });
  const { port, close } = await listenOnLoopback(server);
  return standinAt(port, () => hits, close);
}

/** Answers every request 503 with SECRET_503_BODY. */
export function always503(): Promise<Standin> {
  return answerEvery((_req, res) => {
    res.writeHead(503, { "content-type": "text/plain" }).end(SECRET_503_BODY);
  });
}

/** Answers every request 429 with a Retry-After (seconds) and SECRET_429_BODY. */
export function always429(retryAfterSeconds = 1): Promise<Standin> {
  return answerEvery((_req, res) => {
    res.writeHead(429, { "content-type": "text/plain", "retry-after": String(retryAfterSeconds) }).end(SECRET_429_BODY);
  });
}
