// Queries on tags for immutability: manual marks, and tags by namespace for
// dry runs and listings. A namespace's repositories are "ns" itself and every
// name in ["ns/", "ns0"): '0' follows '/' in ASCII, so the range is exactly
// the names with the prefix "ns/" and the name index serves it.
import { and, asc, eq, gte, lt, or, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { manifests, repositories, tags } from "../schema.ts";

const inNamespace = (namespace: string) =>
  or(eq(repositories.name, namespace), and(gte(repositories.name, `${namespace}/`), lt(repositories.name, `${namespace}0`)));

export interface MarkedTag {
  id: number;
  repository: string;
  name: string;
  digest: string;
  /** Marked immutable by hand. */
  immutable: boolean;
  updatedAt: number;
}

const columns = { id: tags.id, repository: repositories.name, name: tags.name, digest: manifests.digest, immutable: tags.immutable, updatedAt: tags.updatedAt };

export function findMarkedTag(db: Db, repository: string, tag: string): MarkedTag | undefined {
  return db
    .select(columns)
    .from(tags)
    .innerJoin(repositories, eq(repositories.id, tags.repositoryId))
    .innerJoin(manifests, eq(manifests.id, tags.manifestId))
    .where(and(eq(repositories.name, repository), eq(tags.name, tag)))
    .get();
}

/** The manual mark alone: the guard's question on every overwrite and delete. */
export function manualMark(db: Db, repository: string, tag: string): boolean {
  const row = db
    .select({ immutable: tags.immutable })
    .from(tags)
    .innerJoin(repositories, eq(repositories.id, tags.repositoryId))
    .where(and(eq(repositories.name, repository), eq(tags.name, tag)))
    .get();
  return row?.immutable ?? false;
}

export function setManualMark(db: Db, tagId: number, immutable: boolean): void {
  db.update(tags).set({ immutable }).where(eq(tags.id, tagId)).run();
}

/** Tags of one repository in name order: a page of `limit` after `offset`. */
export function markedTagsOf(db: Db, repository: string, limit: number, offset: number): MarkedTag[] {
  return db
    .select(columns)
    .from(tags)
    .innerJoin(repositories, eq(repositories.id, tags.repositoryId))
    .innerJoin(manifests, eq(manifests.id, tags.manifestId))
    .where(eq(repositories.name, repository))
    .orderBy(asc(tags.name))
    .limit(limit)
    .offset(offset)
    .all();
}

/** Every tag of a namespace (or of one repository in it): names only. */
export function tagNamesInScope(db: Db, namespace: string, repository: string | null): { repository: string; name: string; immutable: boolean }[] {
  return db
    .select({ repository: repositories.name, name: tags.name, immutable: tags.immutable })
    .from(tags)
    .innerJoin(repositories, eq(repositories.id, tags.repositoryId))
    .where(repository === null ? inNamespace(namespace) : eq(repositories.name, repository))
    .orderBy(asc(repositories.name), asc(tags.name))
    .all();
}

/** Is there any repository in this namespace? */
export function namespaceHasRepositories(db: Db, namespace: string): boolean {
  return db.select({ one: sql<number>`1` }).from(repositories).where(inNamespace(namespace)).limit(1).get() !== undefined;
}

/**
 * Tags of a repository whose image uses blob `digest`: as the manifest's own
 * config or layer, or through a child manifest of an index. Deleting the blob
 * would break what these tags serve.
 */
export function tagsUsingBlob(db: Db, repositoryId: number, digest: string): { tag: string; digest: string }[] {
  return db.all<{ tag: string; digest: string }>(sql`
    SELECT t.name AS tag, m.digest AS digest FROM tags t JOIN manifests m ON m.id = t.manifest_id
    WHERE t.repository_id = ${repositoryId} AND t.manifest_id IN (
      SELECT r.manifest_id FROM manifest_refs r
      WHERE r.kind = 'blob' AND r.digest = ${digest}
      UNION
      SELECT parent.manifest_id FROM manifest_refs parent
      JOIN manifests child ON child.repository_id = ${repositoryId} AND child.digest = parent.digest
      JOIN manifest_refs used ON used.manifest_id = child.id AND used.kind = 'blob' AND used.digest = ${digest}
      WHERE parent.kind = 'manifest')`);
}
