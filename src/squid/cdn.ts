// Which hosts and URLs belong to a CDN whose blobs the Squid kit caches, and the
// shared cache key (Squid's "store-id") of such a URL. Pure string functions: the
// helper, the ICAP service and the config generator must agree on them.

/** Compiles the configured URL patterns; an empty list matches nothing. */
export function compilePatterns(sources: readonly string[]): RegExp[] {
  return sources.map((s) => new RegExp(s));
}

/** True when url matches one of the CDN blob patterns. */
export function isBlobUrl(url: string, patterns: readonly RegExp[]): boolean {
  return patterns.some((re) => re.test(url));
}

/**
 * Squid's dstdomain rule: "cdn.quay.io" is that host only, ".quay.io" is quay.io and
 * every subdomain. Case and a trailing root dot do not matter. Empty list: no host.
 */
export function isCdnHost(host: string, hosts: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  if (h === "") return false;
  return hosts.some((entry) => {
    const d = entry.toLowerCase();
    return d.startsWith(".") ? h === d.slice(1) || h.endsWith(d) : h === d;
  });
}

// scheme, authority, path; the query and fragment are whatever follows.
const URL_PARTS = /^(https?):\/\/([^/?#]+)(\/[^?#]*)/i;
const DEFAULT_PORT: Record<string, string> = { http: "80", https: "443" };

/**
 * The cache key shared by every signed URL of one blob: the URL without its query
 * (the signature and expiry live there) with the host normalised, so that mirrors
 * such as cdn.quay.io and cdn01.quay.io share one key: the first label of the host
 * loses its trailing digits. The path is kept byte for byte (no WHATWG URL parsing,
 * which would resolve dot segments and re-encode): the key names exactly what the CDN
 * was asked for. Undefined when the URL cannot be keyed safely.
 */
export function storeKey(url: string): string | undefined {
  const m = URL_PARTS.exec(url);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  const authority = m[2]!.toLowerCase();
  const path = m[3]!;
  // userinfo or dot segments would let one key name different things.
  if (authority.includes("@") || /(^|\/)\.\.?(\/|$)/.test(path)) return undefined;
  const hp = /^([^:]+)(?::(\d+))?$/.exec(authority);
  if (!hp) return undefined;
  const [first, ...rest] = hp[1]!.replace(/\.$/, "").split(".");
  const label = first!.replace(/[0-9]+$/, "") || first!;
  const host = [label, ...rest].join(".");
  const port = hp[2] && hp[2] !== DEFAULT_PORT[scheme] ? `:${hp[2]}` : "";
  return `${scheme}://${host}${port}${path}`;
}
