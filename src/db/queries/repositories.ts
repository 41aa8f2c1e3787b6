// Queries on the repositories table.
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { prepared } from "../prepared.ts";
import { repositories } from "../schema.ts";

export function findRepositoryId(db: Db, name: string): number | undefined {
  const query = prepared(db, "findRepositoryId", (d) => d.select({ id: repositories.id }).from(repositories).where(eq(repositories.name, sql.placeholder("name"))).prepare());
  return query.get({ name })?.id;
}

/** Returns the repository's id, creating the row if needed. */
export function ensureRepository(db: Db, name: string): number {
  const existing = findRepositoryId(db, name);
  if (existing !== undefined) return existing;
  db.insert(repositories).values({ name }).onConflictDoNothing().run();
  return findRepositoryId(db, name)!;
}

/** Repository names in lexical order after `last`, at most `limit` of them. */
export function listRepositoryNames(db: Db, limit: number, last?: string): string[] {
  // Only repositories that hold at least one manifest are listed, like other registries.
  const hasContent = sql`exists (select 1 from manifests m where m.repository_id = ${repositories.id})`;
  return db
    .select({ name: repositories.name })
    .from(repositories)
    .where(last ? and(gt(repositories.name, last), hasContent) : hasContent)
    .orderBy(asc(repositories.name))
    .limit(limit)
    .all()
    .map((r) => r.name);
}
