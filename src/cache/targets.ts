// Which upstream a repository path belongs to. The first path component names
// an upstream ("docker.io/library/nginx"); containerd's ?ns= names one too, by
// its name, its url's host[:port] or one of its aliases; `default_upstream`
// takes every other path (docker's registry-mirrors) except those under
// `local_namespaces`. Without default_upstream, everything else is local.
// Local names never shadow an upstream's: with default_upstream, a push
// outside local_namespaces is refused rather than creating a local repository
// that docker-style pulls of that name would get instead of the upstream's.
import { Denied, NameUnknown } from "../repository/errors.ts";

export interface Target {
  /** The upstream's configured name. */
  upstream: string;
  /** The repository name at the upstream ("library/nginx"; with remote_namespace, under it). */
  remoteName: string;
  /** The name under which regcache stores it ("docker.io/library/nginx"). */
  localName: string;
}

/** What resolution needs to know of one [[upstream]]. */
export interface UpstreamRoute {
  name: string;
  /** Values of ?ns= that mean this upstream besides its name: its url's host[:port], its aliases. */
  nsNames: readonly string[];
  /** remote_namespace: repository X is remoteNamespace/X at the upstream ("" for X itself). */
  remoteNamespace: string;
}

export interface TargetOptions {
  upstreams: readonly UpstreamRoute[];
  defaultUpstream: string;
  /** First path components of local repositories when defaultUpstream is set. */
  localNamespaces: readonly string[];
}

/** How containerd may name an upstream in ?ns=: host, with :port unless it is the scheme's default. */
export function nsNamesOf(url: string, aliases: readonly string[]): string[] {
  const u = new URL(url);
  return [u.host, ...aliases];
}

function targetIn(u: UpstreamRoute, name: string, localName: string): Target {
  return { upstream: u.name, remoteName: u.remoteNamespace ? `${u.remoteNamespace}/${name}` : name, localName };
}

/** `forWrite`: the request would change the repository (pushes go to local repositories only). */
export function resolveTarget(name: string, ns: string | undefined, forWrite: boolean, options: TargetOptions): Target | undefined {
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  const prefixed = first ? options.upstreams.find((u) => u.name === first) : undefined;
  if (prefixed) return targetIn(prefixed, name.slice(slash + 1), name);
  if (ns !== undefined) {
    const named = options.upstreams.find((u) => u.name === ns || u.nsNames.includes(ns));
    // Answering this from default_upstream or a local repository would hand containerd some
    // other registry's content; a 404 would make it fall back to the registry itself, silently
    // bypassing the cache. Name the ns, so the operator sees which alias to add.
    if (!named) throw new NameUnknown(`?ns=${ns.slice(0, 200)} names no configured upstream (an upstream matches its name, its url's host[:port], or one of its aliases)`);
    return targetIn(named, name, `${named.name}/${name}`);
  }
  if (!options.defaultUpstream) return undefined;
  const namespace = slash < 0 ? name : first;
  if (options.localNamespaces.includes(namespace)) return undefined;
  if (forWrite) {
    const allowed = options.localNamespaces.length ? `only under ${options.localNamespaces.map((n) => `${n}/`).join(", ")} (server.local_namespaces)` : "nowhere without an upstream prefix until server.local_namespaces lists a namespace";
    throw new Denied(`${name} belongs to the default upstream "${options.defaultUpstream}" and cannot be pushed to; local repositories are allowed ${allowed}`);
  }
  const u = options.upstreams.find((x) => x.name === options.defaultUpstream)!;
  return targetIn(u, name, `${u.name}/${name}`);
}
