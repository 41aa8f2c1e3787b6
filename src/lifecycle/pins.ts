// What eviction must never take, decided at the moment it runs:
// - every repository that is not an upstream's (local, pushed content);
// - a manifest a tag points at that is immutable (marked by hand, or by an active
//   immutability policy: the guard's decide(), the same answer a retag gets);
// - what a [[prefetch.image]] lists: its tag, its digest, or for a tag pattern
//   every stored tag of the repository that matches the pattern now (a superset
//   of the max_tags the schedule keeps, so nothing it keeps is ever evicted).
// An image is pinned when its manifest or any index child of it is.
import { manifestIdIn } from "../db/queries/completeness.ts";
import { allTags } from "../db/queries/lifecycle.ts";
import type { Db } from "../db/client.ts";
import { parseImageRef } from "../oci/image-ref.ts";
import type { TagGuard } from "../repository/guard.ts";

export interface PinRules {
  guard: TagGuard;
  /** [[prefetch.image]] entries: ref and tags pattern. */
  prefetch: readonly { ref: string; tags: string }[];
  /** Configured upstream names: a repository whose first component is one is cached. */
  upstreams: readonly string[];
}

export interface Pins {
  /** Cached (pull-through) repository: the only kind eviction may touch. */
  isCached(repository: string): boolean;
  /** Why a manifest id is pinned ("immutable", "prefetch"), if it is. */
  reason(manifestId: number): string | undefined;
}

export function computePins(db: Db, rules: PinRules): Pins {
  const upstreams = new Set(rules.upstreams);
  const isCached = (repository: string) => upstreams.has(repository.split("/", 1)[0]!);
  const pinned = new Map<number, string>();
  const patterns = new Map<string, RegExp[]>();
  const exactTags = new Set<string>();
  for (const entry of rules.prefetch) {
    const ref = parseImageRef(entry.ref);
    if (!ref) continue;
    if (entry.tags) patterns.set(ref.name, [...(patterns.get(ref.name) ?? []), new RegExp(entry.tags)]);
    if (ref.tag) exactTags.add(`${ref.name}:${ref.tag}`);
    if (ref.digest) {
      const id = manifestIdIn(db, ref.name, ref.digest);
      if (id !== undefined) pinned.set(id, "prefetch");
    }
  }
  for (const t of allTags(db)) {
    if (!isCached(t.repository)) continue;
    if (t.immutable || rules.guard.decide(t.repository, t.tag).immutable) pinned.set(t.manifestId, "immutable");
    else if (exactTags.has(`${t.repository}:${t.tag}`) || patterns.get(t.repository)?.some((re) => re.test(t.tag))) pinned.set(t.manifestId, "prefetch");
  }
  return { isCached, reason: (id) => pinned.get(id) };
}
