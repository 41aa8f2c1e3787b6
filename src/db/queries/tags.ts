// Queries on the tags table.
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { prepared } from "../prepared.ts";
import { manifests, tags } from "../schema.ts";

export interface TagRow {
  id: number;
  name: string;
  manifestId: number;
  digest: string;
  updatedAt: number;
  confirmedAt: number | null;
  immutable: boolean;
}

const tagColumns = {
  id: tags.id,
  name: tags.name,
  manifestId: tags.manifestId,
  digest: manifests.digest,
  updatedAt: tags.updatedAt,
  confirmedAt: tags.confirmedAt,
  immutable: tags.immutable,
};

export function findTag(db: Db, repositoryId: number, name: string): TagRow | undefined {
  const query = prepared(db, "findTag", (d) =>
    d
      .select(tagColumns)
      .from(tags)
      .innerJoin(manifests, eq(manifests.id, tags.manifestId))
      .where(and(eq(tags.repositoryId, sql.placeholder("repositoryId")), eq(tags.name, sql.placeholder("name"))))
      .prepare(),
  );
  return query.get({ repositoryId, name });
}

/** Points a tag at a manifest, creating it if needed. `confirmedAt` is set for upstream-confirmed tags. */
export function upsertTag(db: Db, repositoryId: number, name: string, manifestId: number, confirmedAt: number | null, now: number): void {
  db.insert(tags)
    .values({ repositoryId, name, manifestId, updatedAt: now, confirmedAt })
    .onConflictDoUpdate({ target: [tags.repositoryId, tags.name], set: { manifestId, updatedAt: now, confirmedAt } })
    .run();
}

/** Records that the upstream confirmed the tag still points where it does. */
export function confirmTag(db: Db, tagId: number, at: number): void {
  db.update(tags).set({ confirmedAt: at }).where(eq(tags.id, tagId)).run();
}

export function deleteTagRow(db: Db, tagId: number): void {
  db.delete(tags).where(eq(tags.id, tagId)).run();
}

export function tagsOfManifest(db: Db, manifestId: number): { id: number; name: string; immutable: boolean }[] {
  return db.select({ id: tags.id, name: tags.name, immutable: tags.immutable }).from(tags).where(eq(tags.manifestId, manifestId)).all();
}

/** Tag names in lexical order after `last`, at most `limit`. */
export function listTagNames(db: Db, repositoryId: number, limit: number, last?: string): string[] {
  return db
    .select({ name: tags.name })
    .from(tags)
    .where(last ? and(eq(tags.repositoryId, repositoryId), gt(tags.name, last)) : eq(tags.repositoryId, repositoryId))
    .orderBy(asc(tags.name))
    .limit(limit)
    .all()
    .map((r) => r.name);
}
