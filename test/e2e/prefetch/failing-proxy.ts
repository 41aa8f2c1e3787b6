// A plain-HTTP proxy in front of the real upstream that can fail blob downloads
// with 503 (an upstream whose storage backend is down) while manifests still pass,
// and that records when each blob request arrived, to show the retry rhythm.
import { createServer, request, type IncomingHttpHeaders } from "node:http";
import { listenOnLoopback } from "../../helpers/listen.ts";

export interface FailingProxy {
  readonly url: string;
  setFailing(on: boolean): void;
  /** Arrival times (ms since the proxy started) of blob GETs answered 503. */
  failedBlobGets(): number[];
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"]);
const endToEnd = (h: IncomingHttpHeaders) => Object.fromEntries(Object.entries(h).filter(([name]) => !HOP_BY_HOP.has(name)));

export async function startFailingProxy(targetUrl: string): Promise<FailingProxy> {
  const target = new URL(targetUrl);
  const started = Date.now();
  let failing = false;
  const failed: number[] = [];
  const server = createServer((req, res) => {
    if (failing && req.method === "GET" && /\/blobs\/sha256:[0-9a-f]{64}$/.test((req.url ?? "").split("?")[0]!)) {
      failed.push(Date.now() - started);
      res.writeHead(503, { "content-type": "text/plain" }).end("storage backend unavailable");
      return;
    }
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: endToEnd(req.headers) }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, endToEnd(upRes.headers));
      upRes.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    setFailing: (on) => {
      failing = on;
    },
    failedBlobGets: () => [...failed],
    stop: close,
  };
}
