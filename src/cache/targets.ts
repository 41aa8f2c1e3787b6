// Which upstream a repository path belongs to. The first path component names
// an upstream ("docker.io/library/nginx"); containerd's ?ns= names one too;
// `default_upstream` takes every other path (docker's registry-mirrors) except
// those under `local_namespaces`. Without default_upstream, everything else is
// local. Local names never shadow an upstream's: with default_upstream, a push
// outside local_namespaces is refused rather than creating a local repository
// that docker-style pulls of that name would get instead of the upstream's.
import { Denied } from "../repository/errors.ts";

export interface Target {
  /** The upstream's configured name. */
  upstream: string;
  /** The repository name at the upstream ("library/nginx"). */
  remoteName: string;
  /** The name under which regcache stores it ("docker.io/library/nginx"). */
  localName: string;
}

export interface TargetOptions {
  upstreams: readonly string[];
  defaultUpstream: string;
  /** First path components of local repositories when defaultUpstream is set. */
  localNamespaces: readonly string[];
}

/** `forWrite`: the request would change the repository (pushes go to local repositories only). */
export function resolveTarget(name: string, ns: string | undefined, forWrite: boolean, options: TargetOptions): Target | undefined {
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  if (first && options.upstreams.includes(first)) {
    return { upstream: first, remoteName: name.slice(slash + 1), localName: name };
  }
  if (ns && options.upstreams.includes(ns)) {
    return { upstream: ns, remoteName: name, localName: `${ns}/${name}` };
  }
  if (!options.defaultUpstream) return undefined;
  const namespace = slash < 0 ? name : first;
  if (options.localNamespaces.includes(namespace)) return undefined;
  if (forWrite) {
    const allowed = options.localNamespaces.length ? `only under ${options.localNamespaces.map((n) => `${n}/`).join(", ")} (server.local_namespaces)` : "nowhere without an upstream prefix until server.local_namespaces lists a namespace";
    throw new Denied(`${name} belongs to the default upstream "${options.defaultUpstream}" and cannot be pushed to; local repositories are allowed ${allowed}`);
  }
  return { upstream: options.defaultUpstream, remoteName: name, localName: `${options.defaultUpstream}/${name}` };
}
