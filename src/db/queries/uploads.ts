// Queries on the uploads table.
import { eq, lt } from "drizzle-orm";
import type { Db } from "../client.ts";
import { uploads } from "../schema.ts";

export function insertUpload(db: Db, id: string, repositoryId: number, now: number): void {
  db.insert(uploads).values({ id, repositoryId, size: 0, createdAt: now, updatedAt: now }).run();
}

export function findUpload(db: Db, id: string): { repositoryId: number; size: number } | undefined {
  return db.select({ repositoryId: uploads.repositoryId, size: uploads.size }).from(uploads).where(eq(uploads.id, id)).get();
}

export function setUploadSize(db: Db, id: string, size: number, now: number): void {
  db.update(uploads).set({ size, updatedAt: now }).where(eq(uploads.id, id)).run();
}

export function deleteUpload(db: Db, id: string): void {
  db.delete(uploads).where(eq(uploads.id, id)).run();
}

/** Sessions whose last write (or creation) is older than `before` (ms since the epoch). */
export function idleUploads(db: Db, before: number): string[] {
  return db.select({ id: uploads.id }).from(uploads).where(lt(uploads.updatedAt, before)).all().map((r) => r.id);
}
