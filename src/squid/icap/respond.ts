// Building ICAP responses. Every response names the service (ISTag) and says what
// it encapsulates; offsets count bytes of the encapsulated parts in order.
import { REASONS } from "./errors.ts";

export interface ResponseOptions {
  istag: string;
  /** e.g. "null-body=0" or "req-hdr=0, null-body=312". */
  encapsulated: string;
  headers?: Record<string, string>;
  /** The encapsulated parts, already laid out (HTTP head, chunked body). */
  payload?: Buffer;
  close?: boolean;
}

export function icapResponse(status: number, o: ResponseOptions): Buffer {
  const lines = [
    `ICAP/1.0 ${status} ${REASONS[status] ?? "Unknown"}`,
    `Date: ${new Date().toUTCString()}`,
    "Server: regcache-icap",
    `ISTag: ${o.istag}`,
    ...Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    ...(o.close ? ["Connection: close"] : []),
    `Encapsulated: ${o.encapsulated}`,
  ];
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  return o.payload ? Buffer.concat([head, o.payload]) : head;
}

/** "100 Continue" after a preview: send the rest of the body. */
export const CONTINUE = Buffer.from("ICAP/1.0 100 Continue\r\n\r\n", "latin1");

/** A body as one chunk plus the zero chunk. */
export function chunked(data: Buffer): Buffer {
  const last = Buffer.from("0\r\n\r\n", "latin1");
  if (data.length === 0) return last;
  return Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`, "latin1"), data, Buffer.from("\r\n", "latin1"), last]);
}

/** A REQMOD answer carrying an HTTP request head and, when given, its body. */
export function modifiedRequest(istag: string, httpHead: Buffer, body: Buffer | undefined): Buffer {
  const encapsulated = body === undefined ? `req-hdr=0, null-body=${httpHead.length}` : `req-hdr=0, req-body=${httpHead.length}`;
  const payload = body === undefined ? httpHead : Buffer.concat([httpHead, chunked(body)]);
  return icapResponse(200, { istag, encapsulated, payload });
}
