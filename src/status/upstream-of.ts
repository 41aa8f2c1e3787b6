// Which upstream a request of a cached repository went to, from its path alone,
// by the same rules clients use to address one: the first path component names
// an upstream, else containerd's ?ns=, else server.default_upstream. Only asked
// for requests the cache answered (they carry an X-Cache or a failure class),
// so a local repository is never counted against an upstream.
export function upstreamOf(path: string, ns: string | undefined, names: ReadonlySet<string>, defaultUpstream: string): string | undefined {
  if (!path.startsWith("/v2/")) return undefined;
  const first = path.slice("/v2/".length).split("/", 1)[0]!;
  if (names.has(first)) return first;
  if (ns && names.has(ns)) return ns;
  return defaultUpstream || undefined;
}
