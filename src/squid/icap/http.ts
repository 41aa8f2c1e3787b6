// The HTTP request head that Squid encapsulates in a REQMOD: where it goes and
// whether it carries credentials, and the same head without them.
import { IcapError } from "./errors.ts";

export interface HttpRequestHead {
  method: string;
  /** The target host, lowercased, without port: from an absolute URI, else Host. */
  host: string;
  /** The request URL: the absolute URI as sent, else https:// + Host + the origin-form target. */
  url: string;
  hasAuthorization: boolean;
  /** The head's lines without the final empty line; continuation lines included. */
  lines: string[];
}

/** Parses "GET https://host/path HTTP/1.1\r\nHost: ...\r\n...\r\n\r\n". Throws IcapError(400). */
export function parseHttpRequestHead(raw: Buffer): HttpRequestHead {
  const text = raw.toString("latin1");
  if (!text.endsWith("\r\n\r\n")) throw new IcapError(400, "encapsulated HTTP head does not end with an empty line");
  const lines = text.slice(0, -4).split("\r\n");
  const start = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/\d\.\d$/.exec(lines[0]!);
  if (!start) throw new IcapError(400, "malformed encapsulated HTTP request line");
  let host = hostOf(/^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(start[2]!)?.[1]);
  let hasAuthorization = false;
  let hostHeader = "";
  for (const line of lines.slice(1)) {
    const name = /^([^:\s]+):/.exec(line)?.[1]?.toLowerCase();
    if (name === "authorization") hasAuthorization = true;
    if (name === "host" && hostHeader === "") hostHeader = line.slice(5).trim();
  }
  if (host === "") host = hostOf(hostHeader);
  // Squid sends bumped requests with their absolute URI; an origin-form target can
  // only come from a decrypted connection too, since nothing else is adapted: https.
  const target = start[2]!;
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? target : `https://${hostHeader.toLowerCase()}${target}`;
  return { method: start[1]!, host, url, hasAuthorization, lines };
}

// "user@Host:443" → "host"; "[::1]:80" → "::1".
function hostOf(authority: string | undefined): string {
  if (!authority) return "";
  const a = authority.slice(authority.lastIndexOf("@") + 1).toLowerCase();
  const v6 = /^\[([^\]]*)\]/.exec(a);
  return v6 ? v6[1]! : a.replace(/:\d*$/, "");
}

/**
 * The head without Authorization headers (and their obsolete continuation lines),
 * ending with the empty line, as bytes ready to encapsulate.
 */
export function withoutAuthorization(head: HttpRequestHead): Buffer {
  const kept: string[] = [];
  let dropping = false;
  for (const line of head.lines) {
    const continuation = /^[ \t]/.test(line);
    if (!continuation) dropping = /^authorization:/i.test(line);
    if (!dropping) kept.push(line);
  }
  return Buffer.from(`${kept.join("\r\n")}\r\n\r\n`, "latin1");
}
