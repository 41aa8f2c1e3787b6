// Read-only queries for the status page: cached images with completeness and
// size, the prefetch queue's counts, and the policies. Plain SQL because each
// is one aggregate over a recursive walk or a GROUP BY, which reads more
// clearly as SQL than as a builder chain. Nothing here writes.
import { sql } from "drizzle-orm";
import type { Db } from "../client.ts";

export interface ImageRow {
  repository: string;
  tag: string;
  digest: string;
  mediaType: string;
  /** Bytes of every blob the image references (index children included, when stored). */
  totalBytes: number;
  /** Of those, the bytes held in the store. */
  storedBytes: number;
  missingBlobs: number;
  /** Index children not stored in the repository (every platform counts). */
  missingChildren: number;
}

/**
 * Every tag with its completeness, largest first, at most `limit` rows. The walk
 * goes from the tagged manifest down through the index children stored in
 * the same repository, and sums the blob references of all of them.
 * `limit` -1: every tag (SQLite's "no limit").
 */
export function imagesWithCompleteness(db: Db, limit: number): ImageRow[] {
  return db.all<ImageRow>(sql`
    with recursive tree(tag_id, manifest_id) as (
      select t.id, t.manifest_id from tags t
      union
      select tree.tag_id, c.id from tree
        join manifests p on p.id = tree.manifest_id
        join manifest_refs r on r.manifest_id = p.id and r.kind = 'manifest'
        join manifests c on c.repository_id = p.repository_id and c.digest = r.digest
    ),
    refs as (
      select tree.tag_id, r.kind, r.digest, r.size,
        case when r.kind = 'blob' then exists (select 1 from blobs b where b.digest = r.digest)
             else exists (select 1 from manifests c join manifests p on p.id = r.manifest_id where c.repository_id = p.repository_id and c.digest = r.digest) end as present
      from tree join manifest_refs r on r.manifest_id = tree.manifest_id
    )
    select repo.name as repository, t.name as tag, m.digest as digest, m.media_type as mediaType,
      coalesce(sum(case when refs.kind = 'blob' then refs.size end), 0) as totalBytes,
      coalesce(sum(case when refs.kind = 'blob' and refs.present then refs.size end), 0) as storedBytes,
      coalesce(sum(case when refs.kind = 'blob' and not refs.present then 1 end), 0) as missingBlobs,
      coalesce(sum(case when refs.kind = 'manifest' and not refs.present then 1 end), 0) as missingChildren
    from tags t
      join manifests m on m.id = t.manifest_id
      join repositories repo on repo.id = t.repository_id
      left join refs on refs.tag_id = t.id
    group by t.id
    order by totalBytes desc, repo.name, t.name
    limit ${limit}`);
}

export interface QueueCounts {
  queued: number;
  /** Queued and due now (the rest wait for a retry time or a schedule). */
  due: number;
  failed: number;
}

export function prefetchQueueCounts(db: Db, now: number): QueueCounts {
  // db.all, not db.get: on this driver get() of raw SQL returns the row as an array.
  const [row] = db.all<QueueCounts>(sql`
    select coalesce(sum(state = 'queued'), 0) as queued,
           coalesce(sum(state = 'queued' and next_try_at <= ${now}), 0) as due,
           coalesce(sum(state = 'failed'), 0) as failed
    from prefetch_jobs`);
  return row ?? { queued: 0, due: 0, failed: 0 };
}

export interface PolicyRow {
  namespace: string;
  repository: string | null;
  tagPattern: string;
  tagPatternMatches: boolean;
  active: boolean;
}

export function policyRows(db: Db): PolicyRow[] {
  return db
    .all<{ namespace: string; repository: string | null; tagPattern: string; tagPatternMatches: number; active: number }>(sql`
      select namespace, repository, tag_pattern as tagPattern, tag_pattern_matches as tagPatternMatches, active
      from immutability_policies order by active desc, namespace, repository, tag_pattern`)
    .map((r) => ({ ...r, tagPatternMatches: Boolean(r.tagPatternMatches), active: Boolean(r.active) }));
}

/** A trivial read, for /readyz: throws when the database is closed or unreadable. */
export function pingDatabase(db: Db): void {
  db.get(sql`select 1`);
}
