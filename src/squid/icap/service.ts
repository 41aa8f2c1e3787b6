// The REQMOD service: blob requests to CDN hosts leave without their Authorization
// header, so that Squid may store the answer (it never caches a response to a
// request with credentials). The blob URL is signed; the header is not needed.
// Everything else is answered 204: unchanged. squid.conf sends only blob URLs
// here; the service checks them again, so that a hand-edited squid.conf cannot
// strip credentials from, say, a registry API call to a CDN host.
import { isBlobUrl, isCdnHost } from "../cdn.ts";
import { IcapError } from "./errors.ts";
import { parseHttpRequestHead, withoutAuthorization } from "./http.ts";
import type { IcapRequest } from "./message.ts";
import { type ByteReader, readChunked } from "./reader.ts";
import { CONTINUE, icapResponse, modifiedRequest } from "./respond.ts";

export interface IcapServiceOptions {
  /** dstdomain-style host list; empty: no request is modified. */
  cdnHosts: readonly string[];
  /** The CDN blob URL patterns; empty: no request is modified. */
  blobPatterns: readonly RegExp[];
  /** The one service path served, e.g. "/regcache". */
  path: string;
  /** Quoted opaque tag (RFC 3507 4.7); changes when the host list changes. */
  istag: string;
}

// An encapsulated HTTP head or body above these sizes is refused. Bodies are only
// held in memory when a request to a CDN host has one, which a blob GET never has.
const HTTP_HEAD_LIMIT = 64 * 1024;
const BODY_LIMIT = 8 * 1024 * 1024;

/** Answers one parsed message; the caller sends the returned bytes. */
export async function answer(req: IcapRequest, r: ByteReader, send: (b: Buffer) => void, o: IcapServiceOptions): Promise<Buffer> {
  if (req.path !== o.path) throw new IcapError(404, `no ICAP service at ${req.path}`);
  if (req.method === "OPTIONS") {
    // An OPTIONS body (opt-body) is possible in theory; read past it to stay in sync.
    if (req.encapsulated.at(-1)?.name === "opt-body") await readChunked(r, BODY_LIMIT);
    return icapResponse(200, {
      istag: o.istag,
      encapsulated: "null-body=0",
      headers: {
        Methods: "REQMOD",
        Service: "regcache Authorization remover for CDN blob requests",
        Preview: "0",
        "Transfer-Preview": "*",
        Allow: "204",
        "Options-TTL": "3600",
        "Max-Connections": "1000",
      },
    });
  }
  if (req.method === "RESPMOD") throw new IcapError(405, "this service only does REQMOD");
  if (req.method !== "REQMOD") throw new IcapError(501, `method ${req.method} is not implemented`);
  return reqmod(req, r, send, o);
}

async function reqmod(req: IcapRequest, r: ByteReader, send: (b: Buffer) => void, o: IcapServiceOptions): Promise<Buffer> {
  const [first, last] = [req.encapsulated[0], req.encapsulated.at(-1)];
  if (req.encapsulated.length !== 2 || first?.name !== "req-hdr" || (last?.name !== "req-body" && last?.name !== "null-body")) {
    throw new IcapError(400, "REQMOD needs Encapsulated: req-hdr=0, req-body=N or null-body=N");
  }
  if (last.offset > HTTP_HEAD_LIMIT) throw new IcapError(400, "encapsulated HTTP head too large");
  const head = parseHttpRequestHead(await r.readExactly(last.offset));

  const inPreview = req.headers.has("preview");
  let body = last.name === "req-body" ? await readChunked(r, BODY_LIMIT) : undefined;
  // After a preview, 204 is always allowed (RFC 3507 4.6); otherwise only with "Allow: 204".
  const may204 = inPreview || /\b204\b/.test(req.headers.get("allow") ?? "");
  const modify = head.hasAuthorization && isCdnHost(head.host, o.cdnHosts) && isBlobUrl(head.url, o.blobPatterns);
  if (!modify && may204) return icapResponse(204, { istag: o.istag, encapsulated: "null-body=0" });

  // We answer with a whole message, so a preview that was not the whole body must
  // be followed by the rest: ask for it.
  if (body && inPreview && !body.ieof) {
    send(CONTINUE);
    const rest = await readChunked(r, BODY_LIMIT - body.data.length);
    body = { data: Buffer.concat([body.data, rest.data]), ieof: true };
  }
  const httpHead = modify ? withoutAuthorization(head) : Buffer.from(`${head.lines.join("\r\n")}\r\n\r\n`, "latin1");
  return modifiedRequest(o.istag, httpHead, body?.data);
}
