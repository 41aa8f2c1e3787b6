// Who uses a blob, split into local (pushed) and cached repositories: a cached one is
// fetched again from its upstream, a local one can only be pushed again by a person.
import type { Db } from "../db/client.ts";
import { blobUsers } from "../db/queries/scrub.ts";
import { upstreamOfRepository } from "../prefetch/sweep.ts";
import type { BlobOwner, ScrubFinding } from "./progress.ts";

export function usersOf(db: Db, digest: string, upstreams: readonly string[]): { owner: BlobOwner; users: ScrubFinding["users"]; more: number } {
  const { users, more } = blobUsers(db, digest);
  // The same rule as the prefetch sweep's: a repository under a configured upstream's name is cached.
  const marked = users.map((u) => ({ repository: u.repository, local: upstreamOfRepository(upstreams, u.repository) === undefined, manifests: u.manifests }));
  const owner: BlobOwner = marked.some((u) => u.local) ? "local" : marked.length > 0 ? "cached" : "unreferenced";
  return { owner, users: marked, more };
}
