// IP addresses and CIDR ranges as bytes: parsing, matching, and the classes of
// addresses that lie inside a site (loopback, link-local, private, unspecified).
// Used by config validation (server.trusted_proxies), the upstream client's
// address guard (redirects and token realms) and the admin API's gate.
// Written out by hand rather than with node:net's BlockList so the same code
// runs on every runtime regcache supports.
import { isIP } from "node:net";

/** 4 bytes (IPv4) or 16 bytes (IPv6). IPv4-mapped IPv6 (::ffff:a.b.c.d) is unwrapped to 4 bytes. */
export type IpBytes = number[];

function parseV4(text: string): IpBytes | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

function parseV6(text: string): IpBytes | undefined {
  let head = text;
  let v4Tail: IpBytes = [];
  // An embedded dotted quad at the end ("::ffff:127.0.0.1").
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const v4 = parseV4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    v4Tail = v4;
    head = text.slice(0, lastColon + 1) + "0:0";
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  const bytes: number[] = [];
  for (const g of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    const n = parseInt(g, 16);
    bytes.push(n >> 8, n & 0xff);
  }
  if (v4Tail.length) bytes.splice(12, 4, ...v4Tail);
  return bytes;
}

/** Parses an IPv4 or IPv6 address (brackets and a zone id are tolerated); undefined if it is not one. */
export function parseIp(address: string): IpBytes | undefined {
  const text = address.trim().replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const kind = isIP(text);
  const bytes = kind === 4 ? parseV4(text) : kind === 6 ? parseV6(text) : undefined;
  if (!bytes) return undefined;
  // ::ffff:a.b.c.d is that IPv4 address: it must be judged as one.
  const mapped = bytes.length === 16 && bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

export interface Cidr {
  bytes: IpBytes;
  bits: number;
}

/** "10.0.0.0/8", "fd00::/8", or a single address (a /32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, prefix, extra] = text.trim().split("/");
  if (extra !== undefined || addr === undefined) return undefined;
  const bytes = parseIp(addr);
  if (!bytes) return undefined;
  const max = bytes.length * 8;
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return undefined;
  // A mapped IPv6 range (::ffff:10.0.0.0/104) becomes the IPv4 range it covers.
  let bits = prefix === undefined ? max : Number(prefix);
  if (bytes.length === 4 && addr.includes(":") && prefix !== undefined) bits -= 96;
  if (bits < 0 || bits > max) return undefined;
  return { bytes, bits };
}

export function inCidr(ip: IpBytes, cidr: Cidr): boolean {
  if (ip.length !== cidr.bytes.length) return false;
  for (let bit = 0; bit < cidr.bits; bit++) {
    const mask = 0x80 >> bit % 8;
    if ((ip[bit >> 3]! & mask) !== (cidr.bytes[bit >> 3]! & mask)) return false;
  }
  return true;
}

export type InternalClass = "loopback" | "link-local" | "private" | "unspecified";

const INTERNAL: [string, InternalClass][] = [
  ["127.0.0.0/8", "loopback"],
  ["::1/128", "loopback"],
  ["169.254.0.0/16", "link-local"], // includes the cloud metadata service, 169.254.169.254
  ["fe80::/10", "link-local"],
  ["10.0.0.0/8", "private"],
  ["172.16.0.0/12", "private"],
  ["192.168.0.0/16", "private"],
  ["fc00::/7", "private"], // unique local addresses (ULA)
  ["0.0.0.0/8", "unspecified"], // "this network": Linux connects 0.0.0.0 to the local host
  ["::/128", "unspecified"],
];
const INTERNAL_CIDRS = INTERNAL.map(([c, cls]) => [parseCidr(c)!, cls] as const);

/** The internal class of an address, or undefined for a public one (or one that does not parse). */
export function internalClass(address: string): InternalClass | undefined {
  const ip = parseIp(address);
  if (!ip) return undefined;
  return INTERNAL_CIDRS.find(([cidr]) => inCidr(ip, cidr))?.[1];
}
