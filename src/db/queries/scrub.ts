// The scrub's queries: stored blobs in pages (so a store of 100,000 blobs is never held
// in memory at once), who uses a blob (to report a corrupt one by name), and removing a
// blob's row so that nothing serves it and the prefetch sweep sees it missing.
import { and, asc, count, eq, gt, inArray, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { blobs, manifestRefs, manifests, repositories, repositoryBlobs, scrubCursor, tags } from "../schema.ts";

export interface StoredBlobRow {
  digest: string;
  size: number;
}

/** Blob rows in digest order after `after`, at most `limit`. */
export function blobPage(db: Db, limit: number, after?: string): StoredBlobRow[] {
  return db
    .select({ digest: blobs.digest, size: blobs.size })
    .from(blobs)
    .where(after === undefined ? undefined : gt(blobs.digest, after))
    .orderBy(asc(blobs.digest))
    .limit(limit)
    .all();
}

/** How many blob rows there are (after `after`, in digest order) and their bytes: the scrub's total, taken at its start. */
export function blobTotals(db: Db, after?: string): { blobs: number; bytes: number } {
  const row = db
    .select({ n: count(), bytes: sql<number>`coalesce(sum(${blobs.size}), 0)` })
    .from(blobs)
    .where(after === undefined ? undefined : gt(blobs.digest, after))
    .get();
  return { blobs: row?.n ?? 0, bytes: Number(row?.bytes ?? 0) };
}

export interface BlobUser {
  repository: string;
  /** Manifests of this repository that reference the blob (config or layer), with their tags
   *  and the tags of indexes in the repository that list them. */
  manifests: { digest: string; tags: string[] }[];
}

/** Users listed per blob at most; a base layer shared by thousands of images is reported by its first ones. */
export const MAX_USERS = 50;

/**
 * The repositories that may serve `digest` (linked by an upload, a mount or a download) or
 * whose manifests reference it, each with those manifests and their tags, in name order.
 * `more`: users left off beyond MAX_USERS manifests.
 */
export function blobUsers(db: Db, digest: string): { users: BlobUser[]; more: number } {
  const byName = new Map<string, BlobUser>();
  const user = (repository: string) => {
    let u = byName.get(repository);
    if (!u) byName.set(repository, (u = { repository, manifests: [] }));
    return u;
  };
  const linked = db.select({ name: repositories.name }).from(repositoryBlobs).innerJoin(repositories, eq(repositories.id, repositoryBlobs.repositoryId)).where(eq(repositoryBlobs.digest, digest)).all();
  for (const r of linked) user(r.name);
  const referencing = db
    .select({ id: manifests.id, repositoryId: manifests.repositoryId, repository: repositories.name, digest: manifests.digest })
    .from(manifestRefs)
    .innerJoin(manifests, eq(manifests.id, manifestRefs.manifestId))
    .innerJoin(repositories, eq(repositories.id, manifests.repositoryId))
    .where(and(eq(manifestRefs.kind, "blob"), eq(manifestRefs.digest, digest)))
    .orderBy(asc(repositories.name), asc(manifests.digest))
    .limit(MAX_USERS + 1)
    .all();
  const shown = referencing.slice(0, MAX_USERS);
  for (const m of shown) user(m.repository).manifests.push({ digest: m.digest, tags: tagsOf(db, m.id, m.repositoryId, m.digest) });
  const more = referencing.length > MAX_USERS ? countReferencing(db, digest) - MAX_USERS : 0;
  return { users: [...byName.values()].sort((a, b) => a.repository.localeCompare(b.repository)), more };
}

/** Tags of a manifest, and of the indexes in its repository that list it (one level up). */
function tagsOf(db: Db, manifestId: number, repositoryId: number, digest: string): string[] {
  const parents = db
    .select({ id: manifests.id })
    .from(manifestRefs)
    .innerJoin(manifests, eq(manifests.id, manifestRefs.manifestId))
    .where(and(eq(manifestRefs.kind, "manifest"), eq(manifestRefs.digest, digest), eq(manifests.repositoryId, repositoryId)))
    .all()
    .map((p) => p.id);
  const ids = [manifestId, ...parents];
  const rows = db.select({ name: tags.name }).from(tags).where(inArray(tags.manifestId, ids)).orderBy(asc(tags.name)).all();
  return [...new Set(rows.map((r) => r.name))];
}

function countReferencing(db: Db, digest: string): number {
  return db.select({ n: count() }).from(manifestRefs).where(and(eq(manifestRefs.kind, "blob"), eq(manifestRefs.digest, digest))).get()?.n ?? 0;
}

/** Whether the blob still has its row (a GC or a local delete may have removed it meanwhile). */
export function blobRowExists(db: Db, digest: string): boolean {
  return db.select({ d: blobs.digest }).from(blobs).where(eq(blobs.digest, digest)).get() !== undefined;
}

/**
 * Removes the blob's row; its repositories' links go with it (ON DELETE CASCADE). From
 * then on no repository serves it, and the prefetch sweep finds every cached manifest
 * that references it incomplete (db/queries/completeness.ts) and queues it again.
 */
export function forgetBlob(db: Db, digest: string): void {
  db.delete(blobs).where(eq(blobs.digest, digest)).run();
}

/** Corrects a blob row's size to its file's (whose bytes matched the digest). */
export function setBlobSize(db: Db, digest: string, size: number): void {
  db.update(blobs).set({ size }).where(eq(blobs.digest, digest)).run();
}

/** Where the last interrupted repair run got to, if one was interrupted. */
export function findScrubCursor(db: Db): { runId: string; after: string } | undefined {
  return db.select({ runId: scrubCursor.runId, after: scrubCursor.after }).from(scrubCursor).where(eq(scrubCursor.id, 1)).get();
}

/** A repair run has checked `after` (every blob up to it, in digest order). */
export function saveScrubCursor(db: Db, runId: string, after: string, now: number): void {
  db.insert(scrubCursor)
    .values({ id: 1, runId, after, updatedAt: now })
    .onConflictDoUpdate({ target: scrubCursor.id, set: { runId, after, updatedAt: now } })
    .run();
}

/** A repair run got to the end: the next one starts from the first blob. */
export function clearScrubCursor(db: Db): void {
  db.delete(scrubCursor).run();
}
