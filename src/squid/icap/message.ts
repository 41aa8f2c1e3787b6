// Parsing an ICAP request head (RFC 3507 section 4.3) and its Encapsulated header
// (section 4.4.1), which says where the embedded HTTP head ends and what follows.
import { IcapError } from "./errors.ts";

export interface IcapRequest {
  method: string;
  /** The path of the icap:// URI, e.g. "/regcache". */
  path: string;
  /** Header names lowercased; repeated headers joined with ", ". */
  headers: Map<string, string>;
  encapsulated: EncapsulatedPart[];
}

export type PartName = "req-hdr" | "res-hdr" | "req-body" | "res-body" | "null-body" | "opt-body";
export interface EncapsulatedPart {
  name: PartName;
  offset: number;
}

const HEADER_PARTS = new Set<string>(["req-hdr", "res-hdr"]);
const BODY_PARTS = new Set<string>(["req-body", "res-body", "null-body", "opt-body"]);

/** Parses the head, given without its final empty line. Throws IcapError. */
export function parseIcapHead(text: string): IcapRequest {
  const lines = text.split("\r\n");
  const start = /^([A-Z]+) (\S+) ICAP\/(\d+\.\d+)$/.exec(lines[0] ?? "");
  if (!start) throw new IcapError(400, "malformed ICAP request line");
  if (start[3] !== "1.0") throw new IcapError(505, `ICAP/${start[3]} is not supported`);
  const uri = /^icaps?:\/\/[^/?#]*(\/[^?#]*)?/i.exec(start[2]!);
  if (!uri) throw new IcapError(400, "the request URI is not an icap:// URI");

  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!m) throw new IcapError(400, "malformed ICAP header line");
    const name = m[1]!.toLowerCase();
    const prev = headers.get(name);
    headers.set(name, prev === undefined ? m[2]! : `${prev}, ${m[2]}`);
  }
  const enc = headers.get("encapsulated");
  return {
    method: start[1]!,
    path: uri[1] || "/",
    headers,
    encapsulated: enc === undefined ? [] : parseEncapsulated(enc),
  };
}

/**
 * "req-hdr=0, null-body=412" → parts in order. Offsets start at 0 and increase,
 * header parts come first, and exactly one body part ends the list.
 */
export function parseEncapsulated(value: string): EncapsulatedPart[] {
  const parts: EncapsulatedPart[] = [];
  for (const item of value.split(",")) {
    const m = /^\s*([a-z-]+)=(\d{1,9})\s*$/.exec(item);
    if (!m || !(HEADER_PARTS.has(m[1]!) || BODY_PARTS.has(m[1]!))) throw new IcapError(400, "malformed Encapsulated header");
    parts.push({ name: m[1] as PartName, offset: Number(m[2]) });
  }
  const bad =
    parts[0]!.offset !== 0 ||
    parts.some((p, i) => i > 0 && p.offset <= parts[i - 1]!.offset) ||
    parts.some((p, i) => BODY_PARTS.has(p.name) !== (i === parts.length - 1));
  if (bad) throw new IcapError(400, "inconsistent Encapsulated header");
  return parts;
}
