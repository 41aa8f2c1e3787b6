// Queries of the disk lifecycle (src/lifecycle): pull records, the images
// eviction chooses from, what an image holds, unreferenced blobs for GC, and
// the rows reconciliation compares with the files.
import { sql } from "drizzle-orm";
import type { Db } from "../client.ts";

/** The first row as an object (drizzle's db.get over raw SQL answers with an array of values). */
export function one<T = Record<string, unknown>>(db: Db, query: ReturnType<typeof sql>): T | undefined {
  return db.all<T>(query)[0];
}

export interface PullRecord {
  repository: string;
  digest: string;
  lastPulledAt: number;
  count: number;
}

/** Adds buffered pulls; a manifest deleted since the pull is skipped (its row is gone). */
export function addPulls(db: Db, records: PullRecord[]): void {
  db.transaction(() => {
    for (const r of records) {
      db.run(sql`insert into manifest_access (manifest_id, last_pulled_at, pull_count)
        select m.id, ${r.lastPulledAt}, ${r.count} from manifests m join repositories r on r.id = m.repository_id
        where r.name = ${r.repository} and m.digest = ${r.digest}
        on conflict (manifest_id) do update set last_pulled_at = max(last_pulled_at, excluded.last_pulled_at), pull_count = pull_count + excluded.pull_count`);
    }
  });
}

export interface ImageRoot {
  id: number;
  repositoryId: number;
  repository: string;
  digest: string;
  /** Last pull, else the time it was stored. */
  lastUsed: number;
  pullCount: number;
}

/**
 * Manifests that are images of their own: not a child of an index in the same
 * repository. Least recently used first. Two plain queries and a filter here:
 * a NOT EXISTS per manifest cost twice as long over 10,000 manifests (bench/disk.ts),
 * and this runs in one event-loop turn.
 */
export function imageRoots(db: Db): ImageRoot[] {
  const children = new Set(
    db.all<{ repo: number; digest: string }>(sql`select p.repository_id as repo, mr.digest as digest from manifest_refs mr join manifests p on p.id = mr.manifest_id where mr.kind = 'manifest'`).map((c) => `${c.repo}@${c.digest}`),
  );
  // Repository names from their own small table: a name per row costs a third of the time.
  const names = new Map(db.all<{ id: number; name: string }>(sql`select id, name from repositories`).map((r) => [r.id, r.name]));
  const rows = db.all<Omit<ImageRoot, "repository">>(sql`
    select m.id as id, m.repository_id as repositoryId, m.digest as digest,
      coalesce(a.last_pulled_at, m.created_at) as lastUsed, coalesce(a.pull_count, 0) as pullCount
    from manifests m left join manifest_access a on a.manifest_id = m.id`);
  // Sorted here: SQLite's sort of the computed column cost more than the scan itself.
  rows.sort((a, b) => a.lastUsed - b.lastUsed || a.id - b.id);
  const out: ImageRoot[] = [];
  for (const m of rows) if (!children.has(`${m.repositoryId}@${m.digest}`)) out.push({ ...m, repository: names.get(m.repositoryId)! });
  return out;
}

/**
 * One page of image roots in LRU order after `after` (keyset on last used, id): SQLite keeps
 * only the top `limit` rows of its scan, so a page costs one scan and `limit` rows turned into
 * objects, however many images there are. Eviction reads these; `du` reads imageRoots.
 */
export function imageRootsPage(db: Db, after: { lastUsed: number; id: number } | undefined, limit: number, children: Set<string>): { roots: ImageRoot[]; next: { lastUsed: number; id: number } | undefined } {
  const from = after ? sql`where (coalesce(a.last_pulled_at, m.created_at) > ${after.lastUsed} or (coalesce(a.last_pulled_at, m.created_at) = ${after.lastUsed} and m.id > ${after.id}))` : sql``;
  const rows = db.all<ImageRoot>(sql`
    select m.id as id, m.repository_id as repositoryId, r.name as repository, m.digest as digest,
      coalesce(a.last_pulled_at, m.created_at) as lastUsed, coalesce(a.pull_count, 0) as pullCount
    from manifests m join repositories r on r.id = m.repository_id left join manifest_access a on a.manifest_id = m.id
    ${from}
    order by lastUsed asc, m.id asc limit ${limit}`);
  // The key of the page's last row, child or not: the next page starts after it.
  const last = rows.at(-1);
  return { roots: children.size === 0 ? rows : rows.filter((m) => !children.has(`${m.repositoryId}@${m.digest}`)), next: last && { lastUsed: last.lastUsed, id: last.id } };
}

/** "repositoryId@digest" of every index child (few: one per platform of each index). */
export function indexChildren(db: Db): Set<string> {
  return new Set(
    db.all<{ repo: number; digest: string }>(sql`select p.repository_id as repo, mr.digest as digest from manifest_refs mr join manifests p on p.id = mr.manifest_id where mr.kind = 'manifest'`).map((c) => `${c.repo}@${c.digest}`),
  );
}

export interface RefRow {
  manifestId: number;
  kind: "blob" | "manifest";
  digest: string;
}

export function refsOf(db: Db, manifestId: number): RefRow[] {
  return db.all<RefRow>(sql`select manifest_id as manifestId, kind, digest from manifest_refs where manifest_id = ${manifestId}`);
}

export function manifestIdByDigest(db: Db, repositoryId: number, digest: string): number | undefined {
  return one<{ id: number }>(db, sql`select id from manifests where repository_id = ${repositoryId} and digest = ${digest}`)?.id;
}

/** Does a manifest outside `except` reference `digest` as `kind` (any repository for blobs; `repositoryId` for children)? */
export function referencedOutside(db: Db, kind: "blob" | "manifest", digest: string, except: number[], repositoryId?: number): boolean {
  const ids = sql.join(except.map((id) => sql`${id}`), sql`, `);
  const repo = repositoryId === undefined ? sql`` : sql`and m.repository_id = ${repositoryId}`;
  return (
    one(db, sql`select 1 as x from manifest_refs mr join manifests m on m.id = mr.manifest_id
      where mr.kind = ${kind} and mr.digest = ${digest} and mr.manifest_id not in (${ids}) ${repo} limit 1`) !== undefined
  );
}

/** Does a stored manifest reference `digest` as a blob (config or layer)? */
export function blobReferenced(db: Db, digest: string): boolean {
  return one(db, sql`select 1 as x from manifest_refs where kind = 'blob' and digest = ${digest} limit 1`) !== undefined;
}

/** Is the blob linked to a repository other than `repositoryId` (an upload or mount of a local repository, a download of another)? */
export function linkedElsewhere(db: Db, digest: string, repositoryId: number): boolean {
  return one(db, sql`select 1 as x from repository_blobs where digest = ${digest} and repository_id != ${repositoryId} limit 1`) !== undefined;
}

export function blobSize(db: Db, digest: string): number | undefined {
  return one<{ size: number }>(db, sql`select size from blobs where digest = ${digest}`)?.size;
}

export function deleteManifestRows(db: Db, ids: number[]): void {
  if (ids.length === 0) return;
  db.run(sql`delete from manifests where id in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`);
}

export function unlinkFromRepository(db: Db, repositoryId: number, digest: string): void {
  db.run(sql`delete from repository_blobs where repository_id = ${repositoryId} and digest = ${digest}`);
}

export function deleteBlobRow(db: Db, digest: string): void {
  db.run(sql`delete from blobs where digest = ${digest}`);
}

/** Prefetch jobs for what an evicted image held: without this, workers would fetch it back. */
export function deleteJobsOf(db: Db, repository: string, digests: string[]): void {
  if (digests.length === 0) return;
  db.run(sql`delete from prefetch_jobs where repository = ${repository} and digest in (${sql.join(digests.map((d) => sql`${d}`), sql`, `)})`);
}

export interface BlobRow {
  digest: string;
  size: number;
}

/** Blobs no manifest references, stored before `before`, after `after` in digest order (a page of the sweep). */
export function unreferencedBlobs(db: Db, before: number, after: string, limit: number): BlobRow[] {
  return db.all<BlobRow>(sql`select b.digest as digest, b.size as size from blobs b
    where b.digest > ${after} and b.created_at < ${before}
      and not exists (select 1 from manifest_refs mr where mr.digest = b.digest)
    order by b.digest limit ${limit}`);
}

export function allBlobRows(db: Db): BlobRow[] {
  return db.all<BlobRow>(sql`select digest, size from blobs`);
}

export interface TagPinRow {
  repository: string;
  tag: string;
  manifestId: number;
  immutable: number;
}

export function allTags(db: Db): TagPinRow[] {
  return db.all<TagPinRow>(sql`select r.name as repository, t.name as tag, t.manifest_id as manifestId, t.immutable as immutable
    from tags t join repositories r on r.id = t.repository_id`);
}
