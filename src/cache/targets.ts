// Which upstream a repository path belongs to. The first path component names
// an upstream ("docker.io/library/nginx"); containerd's ?ns= names one too;
// `default_upstream` takes paths without a prefix (docker's registry-mirrors)
// unless a local repository of that name exists. Everything else is local.

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
  /** Is there a local (pushed) repository of this name? It then wins over default_upstream. */
  isLocalRepository(name: string): boolean;
}

/** `forWrite`: pushes never go to default_upstream; they create local repositories. */
export function resolveTarget(name: string, ns: string | undefined, forWrite: boolean, options: TargetOptions): Target | undefined {
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  if (first && options.upstreams.includes(first)) {
    return { upstream: first, remoteName: name.slice(slash + 1), localName: name };
  }
  if (ns && options.upstreams.includes(ns)) {
    return { upstream: ns, remoteName: name, localName: `${ns}/${name}` };
  }
  if (options.defaultUpstream && !forWrite && !options.isLocalRepository(name)) {
    return { upstream: options.defaultUpstream, remoteName: name, localName: `${options.defaultUpstream}/${name}` };
  }
  return undefined;
}
