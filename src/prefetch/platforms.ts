// Which children of an index the prefetcher keeps. An upstream's `platforms`
// applies to all its repositories; a [[prefetch.image]] with `platforms`
// narrows (or widens) it for that image's repository. Empty means all.
import type { Config } from "../config/schema.ts";
import { parseImageRef } from "../oci/image-ref.ts";

/** "os/arch[/variant]"; a wanted platform without a variant takes every variant. */
export function matchesPlatform(platform: string | null | undefined, wanted: readonly string[]): boolean {
  if (wanted.length === 0) return true;
  if (!platform) return false;
  return wanted.some((w) => platform === w || platform.startsWith(`${w}/`));
}

export type PlatformsFor = (upstream: string, repository: string) => readonly string[];

export function platformPolicy(config: Pick<Config, "upstream" | "prefetch">): PlatformsFor {
  const byUpstream = new Map(config.upstream.map((u) => [u.name, u.platforms]));
  // Repositories named by [[prefetch.image]] with platforms: the union of those lists.
  const byRepository = new Map<string, Set<string>>();
  for (const image of config.prefetch.image) {
    if (image.platforms.length === 0) continue;
    const name = parseImageRef(image.ref)!.name;
    const set = byRepository.get(name) ?? new Set<string>();
    for (const p of image.platforms) set.add(p);
    byRepository.set(name, set);
  }
  return (upstream, repository) => {
    const own = byRepository.get(repository);
    return own ? [...own] : (byUpstream.get(upstream) ?? []);
  };
}
