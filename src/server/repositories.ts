// The RepositoryResolver the HTTP layer uses: a name of an upstream (by
// prefix, ?ns= or default_upstream) is a cached repository, any other a local one.
import type { PullThrough } from "../cache/service.ts";
import type { RegistryContext } from "../registry/context.ts";
import { localRepository } from "../registry/repository.ts";
import type { RepositoryResolver } from "../repository/types.ts";

export function repositoryResolver(registry: RegistryContext, pullThrough: PullThrough): RepositoryResolver {
  return (name, ns, forWrite) => {
    const target = pullThrough.resolve(name, ns, forWrite);
    return target ? pullThrough.repository(target) : localRepository(registry, name);
  };
}
