// A stand-in for quay.io's CDN over TLS, on a Unix socket (relay.ts carries it into
// the test's network namespace). Like the real one it serves blobs only at signed
// URLs (an HMAC of the path and expiry in the query, checked along with the expiry),
// answers HEAD with 403 (the signature covers the method), and honours Range and
// conditional GETs (304), as S3 does. Under /v2/ it stands in for a registry API
// (200, no signature). It records every request so that tests can count full-body
// downloads and see any Authorization, Via or X-Forwarded-For header that reached it.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { type Server, createServer } from "node:https";

export interface SeenRequest {
  method: string;
  path: string;
  signature: string;
  range?: string;
  authorization?: string;
  via?: string;
  forwardedFor?: string;
  status: number;
}

const SECRET = "stand-in-cdn-secret";
const sign = (path: string, date: number, expires: number) => createHmac("sha256", SECRET).update(`GET\n${path}\n${date}\n${expires}`).digest("hex");

export class StandInCdn {
  readonly seen: SeenRequest[] = [];
  private readonly blobs = new Map<string, { data: Buffer; cacheControl?: string; failProbes?: boolean }>();
  private server?: Server;

  constructor(private readonly tls: { cert: string; key: string }) {}

  /**
   * Stores bytes and returns their path: /<repo>/sha256/<2 hex>/<64 hex>, as quay's CDN
   * lays them out. failProbes: the one-byte probe (Range: bytes=0-0) is answered 503,
   * a CDN hiccup that makes the helper's probe fail while the download itself works.
   */
  addBlob(data: Buffer, cacheControl?: string, opts: { failProbes?: boolean } = {}): { path: string; digest: string } {
    const hex = createHash("sha256").update(data).digest("hex");
    const path = `/quayio-production-s3/sha256/${hex.slice(0, 2)}/${hex}`;
    this.blobs.set(path, { data, cacheControl, failProbes: opts.failProbes });
    return { path, digest: hex };
  }

  /** A signed URL; `validFor` seconds from `ageSeconds` ago (negative remaining = expired). */
  signedUrl(host: string, path: string, opts: { validFor?: number; ageSeconds?: number; nonce?: string } = {}): string {
    const date = Math.floor(Date.now() / 1000) - (opts.ageSeconds ?? 0);
    const expires = opts.validFor ?? 600;
    const q = `X-Amz-Date=${date}&X-Amz-Expires=${expires}&X-Amz-Nonce=${opts.nonce ?? "0"}&X-Amz-Signature=${sign(path, date, expires)}`;
    return `https://${host}${path}?${q}`;
  }

  fullBodyGets(path: string): number {
    return this.seen.filter((r) => r.method === "GET" && r.path === path && r.range === undefined && r.status === 200).length;
  }

  /** Listens on the Unix socket at socketPath. */
  async start(socketPath: string): Promise<void> {
    this.server = createServer({ cert: readFileSync(this.tls.cert), key: readFileSync(this.tls.key) }, (req, res) => {
      const url = new URL(req.url!, "https://cdn");
      const q = url.searchParams;
      const record = (status: number) =>
        this.seen.push({
          method: req.method!, path: url.pathname, signature: q.get("X-Amz-Signature") ?? "", range: req.headers.range,
          authorization: req.headers.authorization, via: req.headers.via, forwardedFor: req.headers["x-forwarded-for"] as string | undefined, status,
        });
      if (url.pathname.startsWith("/v2/")) return (record(200), res.writeHead(200, { "content-type": "application/json" }).end("{}"));
      const deny = (why: string) => (record(403), res.writeHead(403, { "content-type": "application/xml" }).end(`<Error><Code>${why}</Code></Error>`));
      const date = Number(q.get("X-Amz-Date"));
      const expires = Number(q.get("X-Amz-Expires"));
      const given = Buffer.from(q.get("X-Amz-Signature") ?? "", "utf8");
      const want = Buffer.from(sign(url.pathname, date, expires), "utf8");
      if (req.method !== "GET") return deny("SignatureDoesNotMatch"); // HEAD included, as on the real CDN
      if (given.length !== want.length || !timingSafeEqual(given, want)) return deny("SignatureDoesNotMatch");
      if (Date.now() / 1000 > date + expires) return deny("AccessDenied: Request has expired");
      const stored = this.blobs.get(url.pathname);
      if (!stored) return (record(404), res.writeHead(404).end());
      const blob = stored.data;
      // Headers as S3 sends them: no Cache-Control unless the object was given one.
      const etag = `"${url.pathname.slice(-32)}"`;
      const headers: Record<string, string | number> = { "content-type": "application/octet-stream", "accept-ranges": "bytes", etag, "last-modified": new Date(0).toUTCString() };
      if (stored.cacheControl) headers["cache-control"] = stored.cacheControl;
      if (req.headers["if-none-match"] === etag || (req.headers["if-modified-since"] && !req.headers["if-none-match"])) {
        record(304);
        return res.writeHead(304, headers).end();
      }
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
      if (range && stored.failProbes) return (record(503), res.writeHead(503).end());
      if (range) {
        const [from, to] = [Number(range[1]), Math.min(Number(range[2]), blob.length - 1)];
        record(206);
        res.writeHead(206, { ...headers, "content-range": `bytes ${from}-${to}/${blob.length}`, "content-length": to - from + 1 });
        return res.end(blob.subarray(from, to + 1));
      }
      record(200);
      res.writeHead(200, { ...headers, "content-length": blob.length });
      this.trickle(res, blob);
    });
    await new Promise<void>((r) => this.server!.listen(socketPath, r));
  }

  // Slowly, in 16 pieces over ~0.5 s, so that parallel clients really overlap.
  private trickle(res: import("node:http").ServerResponse, blob: Buffer) {
    const step = Math.ceil(blob.length / 16);
    let at = 0;
    const next = () => {
      if (res.destroyed) return;
      if (at >= blob.length) return void res.end();
      res.write(blob.subarray(at, (at += step)));
      setTimeout(next, 30);
    };
    next();
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
