// Queries on blobs and repository_blobs.
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { prepared } from "../prepared.ts";
import { blobs, repositoryBlobs } from "../schema.ts";

export function findBlob(db: Db, digest: string): { size: number } | undefined {
  const query = prepared(db, "findBlob", (d) => d.select({ size: blobs.size }).from(blobs).where(eq(blobs.digest, sql.placeholder("digest"))).prepare());
  return query.get({ digest });
}

/** Size of a blob if `repositoryId` may serve it. */
export function findLinkedBlob(db: Db, repositoryId: number, digest: string): { size: number } | undefined {
  const query = prepared(db, "findLinkedBlob", (d) =>
    d
      .select({ size: blobs.size })
      .from(repositoryBlobs)
      .innerJoin(blobs, eq(blobs.digest, repositoryBlobs.digest))
      .where(and(eq(repositoryBlobs.repositoryId, sql.placeholder("repositoryId")), eq(repositoryBlobs.digest, sql.placeholder("digest"))))
      .prepare(),
  );
  return query.get({ repositoryId, digest });
}

/**
 * Records a verified blob file and links it to a repository (idempotent). A blob stored
 * again (a re-push of an unreferenced one) gets its time renewed: GC's grace period
 * counts from the last store, so a blob pushed just before its manifest survives.
 *
 * A blob that had no row while stored manifests reference it lost it to a scrub (corrupt
 * or missing file) or to reconciliation; its repository links went with the row. Coming
 * back (a download for the cached image that shares it, a push anywhere), it is linked
 * again to every repository whose manifests reference it: a local manifest was accepted
 * only with the blob in its repository, so the local image serves again without a push.
 * A blob deleted from one repository by hand keeps its row (its manifests keep GC off it),
 * so that delete is never undone here.
 */
export function recordBlob(db: Db, digest: string, size: number, repositoryId: number | undefined, now: number): void {
  const returning = findBlob(db, digest) === undefined;
  db.insert(blobs).values({ digest, size, createdAt: now }).onConflictDoUpdate({ target: blobs.digest, set: { createdAt: now } }).run();
  if (repositoryId !== undefined) linkBlob(db, repositoryId, digest);
  if (returning) {
    db.run(sql`insert or ignore into repository_blobs (repository_id, digest)
      select distinct m.repository_id, ${digest} from manifest_refs mr join manifests m on m.id = mr.manifest_id
      where mr.kind = 'blob' and mr.digest = ${digest}`);
  }
}

/** Renews a stored blob's time (a mount): GC's grace period counts from here, as for a push. */
export function touchBlob(db: Db, digest: string, now: number): void {
  db.update(blobs).set({ createdAt: now }).where(eq(blobs.digest, digest)).run();
}

export function linkBlob(db: Db, repositoryId: number, digest: string): void {
  db.insert(repositoryBlobs).values({ repositoryId, digest }).onConflictDoNothing().run();
}

/** Removes a repository's link; returns whether one existed. */
export function unlinkBlob(db: Db, repositoryId: number, digest: string): boolean {
  const r = db.delete(repositoryBlobs).where(and(eq(repositoryBlobs.repositoryId, repositoryId), eq(repositoryBlobs.digest, digest))).run() as { changes?: number };
  return (r.changes ?? 0) > 0;
}
