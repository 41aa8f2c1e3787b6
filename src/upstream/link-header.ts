// The Link header (RFC 8288) that paginates /v2/<name>/tags/list:
//   Link: </v2/library/nginx/tags/list?last=1.25&n=100>; rel="next"
// Only rel="next" matters here. Targets are resolved against the URL of the
// response that carried them, since registries send them relative.

/** The rel="next" target of a Link header, resolved against `base`; undefined when none. */
export function nextLink(header: string | undefined, base: URL): URL | undefined {
  if (!header) return undefined;
  // Each link is <target> followed by ;-separated params; a comma ends it.
  // The target is inside <>, so commas within it cannot split a link.
  const LINK = /<([^>]*)>([^<]*)/g;
  for (const m of header.matchAll(LINK)) {
    const params = m[2];
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? "").toLowerCase().split(/\s+/);
    if (!rels.includes("next")) continue;
    try {
      return new URL(m[1], base);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
