import { createServer, request, type IncomingHttpHeaders } from "node:http";
import { listenOnLoopback } from "./listen.ts";
import type { Standin } from "./standins.ts";

/**
 * What happens to blob bodies (GET .../blobs/sha256:..., status 200 or 206):
 * - "none": passed through untouched
 * - "flip": one byte in the middle is inverted; same length, so only a digest check notices
 * - "truncate": the full Content-Length is announced, half the body is sent, then the
 *   connection is dropped
 * Everything else (manifests, uploads, HEADs) always passes through untouched.
 */
export type BlobFault = "none" | "flip" | "truncate";

export interface CorruptingProxy extends Standin {
  setFault(fault: BlobFault): void;
  /** Blob responses damaged so far. */
  damaged(): number;
}

// Hop-by-hop headers belong to one connection; node sets its own framing on ours.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"]);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/** A plain-HTTP proxy in front of `targetUrl` (e.g. the upstream registry). The client's Host
 *  header is forwarded, so URLs the registry builds (upload Locations) point back here. */
export async function startCorruptingProxy(targetUrl: string, initial: BlobFault = "none"): Promise<CorruptingProxy> {
  const target = new URL(targetUrl);
  let fault = initial;
  let hits = 0;
  let damaged = 0;

  const server = createServer((req, res) => {
    hits++;
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: endToEnd(req.headers) },
      (upRes) => {
        const status = upRes.statusCode ?? 502;
        const isBlob = req.method === "GET" && /\/blobs\/sha256:[0-9a-f]{64}$/.test((req.url ?? "").split("?")[0]);
        // The fault in force when the response starts applies to all of it.
        const mode = isBlob && (status === 200 || status === 206) ? fault : "none";
        const length = Number(upRes.headers["content-length"] ?? NaN);
        res.writeHead(status, endToEnd(upRes.headers));
        if (mode === "none" || !(length > 0)) {
          upRes.pipe(res);
          return;
        }
        damaged++;
        const middle = Math.floor(length / 2);
        let offset = 0;
        let cut = false;
        upRes.on("data", (chunk: Buffer) => {
          if (cut) return;
          if (mode === "flip" && offset <= middle && middle < offset + chunk.length) {
            chunk = Buffer.from(chunk);
            chunk[middle - offset] ^= 0xff;
          }
          if (mode === "truncate" && offset + chunk.length >= middle) {
            cut = true;
            upRes.destroy();
            // The callback runs once the half body is flushed; then drop the connection.
            res.write(chunk.subarray(0, middle - offset), () => res.destroy());
            return;
          }
          offset += chunk.length;
          res.write(chunk);
        });
        upRes.on("end", () => res.end());
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  const { port, close } = await listenOnLoopback(server);

  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    hits: () => hits,
    stop: close,
    setFault: (next) => {
      fault = next;
    },
    damaged: () => damaged,
  };
}
