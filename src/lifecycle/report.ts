// `regcache du`: what the store holds, by upstream and repository, split into
// pinned (never evicted: local, immutable, prefetch-listed) and evictable, and
// the unreferenced rest that garbage collection takes. A blob shared by
// repositories counts in each repository but once in the totals. One pass over
// the metadata (admin requests and a metrics refresh, never the request path).
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { imageRoots, one } from "../db/queries/lifecycle.ts";
import type { StorageLimits } from "./limits.ts";
import type { Pins } from "./pins.ts";
import { walkImage } from "./image-walk.ts";

export interface RepositoryUsage {
  name: string;
  images: number;
  bytes: number;
  pinned_bytes: number;
  evictable_bytes: number;
  /** ISO time of the last pull of any of its images, or null. */
  last_pulled_at: string | null;
  pulls: number;
}

export interface UsageReport {
  store: { in_use: number; used_bytes: number; blobs: number; blob_bytes: number; manifests: number; manifest_bytes: number; pinned_bytes: number; evictable_bytes: number; unreferenced_bytes: number };
  filesystem: { size_bytes: number; free_bytes: number };
  quota: { max_size_bytes: number; low_water_bytes: number; min_free_bytes: number; target_free_bytes: number };
  upstreams: { name: string; bytes: number; pinned_bytes: number; evictable_bytes: number; repositories: RepositoryUsage[] }[];
  local: { bytes: number; repositories: RepositoryUsage[] };
}

export function usageReport(db: Db, pins: Pins, upstreams: readonly string[], figures: { used: number; fsBytes: number; free: number; limits: StorageLimits; inUse: number }): UsageReport {
  const sizes = new Map(db.all<{ digest: string; size: number }>(sql`select digest, size from blobs`).map((r) => [r.digest, r.size]));
  const refs = new Map<number, { kind: string; digest: string }[]>();
  for (const r of db.all<{ id: number; kind: string; digest: string }>(sql`select manifest_id as id, kind, digest from manifest_refs`)) {
    let list = refs.get(r.id);
    if (!list) refs.set(r.id, (list = []));
    list.push(r);
  }
  const byRepoDigest = new Map(db.all<{ id: number; repo: number; digest: string }>(sql`select id, repository_id as repo, digest from manifests`).map((m) => [`${m.repo}@${m.digest}`, m.id]));
  const manifestTotals = one<{ n: number; bytes: number }>(db, sql`select count(*) as n, coalesce(sum(size), 0) as bytes from manifests`)!;

  const repos = new Map<string, { images: number; pinned: Set<string>; evictable: Set<string>; last: number; pulls: number }>();
  const pinnedAll = new Set<string>();
  const evictableAll = new Set<string>();
  for (const root of imageRoots(db)) {
    // The image's blobs, through its index children.
    const walked = walkImage(root.id, pins, {
      blobs: (id) => (refs.get(id) ?? []).filter((r) => r.kind === "blob").map((r) => r.digest),
      children: (id) => (refs.get(id) ?? []).flatMap((r) => (r.kind === "blob" ? [] : (byRepoDigest.get(`${root.repositoryId}@${r.digest}`) ?? []))),
    }, (d) => sizes.has(d));
    const blobs = walked.blobs;
    const pinned = walked.pinned || !pins.isCached(root.repository);
    let repo = repos.get(root.repository);
    if (!repo) repos.set(root.repository, (repo = { images: 0, pinned: new Set(), evictable: new Set(), last: 0, pulls: 0 }));
    repo.images++;
    repo.pulls += root.pullCount;
    if (root.pullCount > 0) repo.last = Math.max(repo.last, root.lastUsed);
    for (const b of blobs) (pinned ? repo.pinned : repo.evictable).add(b);
    for (const b of blobs) (pinned ? pinnedAll : evictableAll).add(b);
  }
  const sum = (set: Iterable<string>) => {
    let n = 0;
    for (const d of set) n += sizes.get(d) ?? 0;
    return n;
  };
  const pinnedBytes = sum(pinnedAll);
  const evictableBytes = sum([...evictableAll].filter((d) => !pinnedAll.has(d)));
  const blobBytes = sum(sizes.keys());

  const rows: RepositoryUsage[] = [...repos.entries()]
    .map(([name, r]) => {
      const evictable = [...r.evictable].filter((d) => !r.pinned.has(d));
      const pinned_bytes = sum(r.pinned);
      const evictable_bytes = sum(evictable);
      return { name, images: r.images, bytes: pinned_bytes + evictable_bytes, pinned_bytes, evictable_bytes, last_pulled_at: r.last ? new Date(r.last).toISOString() : null, pulls: r.pulls };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const upstreamOf = (name: string) => (upstreams.includes(name.split("/", 1)[0]!) ? name.split("/", 1)[0]! : undefined);
  const total = (list: RepositoryUsage[], k: "bytes" | "pinned_bytes" | "evictable_bytes") => list.reduce((n, r) => n + r[k], 0);
  const grouped = upstreams
    .map((u) => {
      const list = rows.filter((r) => upstreamOf(r.name) === u);
      return { name: u, bytes: total(list, "bytes"), pinned_bytes: total(list, "pinned_bytes"), evictable_bytes: total(list, "evictable_bytes"), repositories: list };
    })
    .filter((g) => g.repositories.length > 0);
  const local = rows.filter((r) => upstreamOf(r.name) === undefined);
  return {
    store: {
      /** Digests leased now: being downloaded, uploaded or served. */
      in_use: figures.inUse,
      used_bytes: figures.used,
      blobs: sizes.size,
      blob_bytes: blobBytes,
      manifests: manifestTotals.n,
      manifest_bytes: manifestTotals.bytes,
      pinned_bytes: pinnedBytes,
      evictable_bytes: evictableBytes,
      unreferenced_bytes: blobBytes - pinnedBytes - evictableBytes,
    },
    filesystem: { size_bytes: figures.fsBytes, free_bytes: figures.free },
    quota: { max_size_bytes: figures.limits.maxBytes, low_water_bytes: figures.limits.lowBytes, min_free_bytes: figures.limits.minFreeBytes, target_free_bytes: figures.limits.targetFreeBytes },
    upstreams: grouped,
    local: { bytes: total(local, "bytes"), repositories: local },
  };
}
