// passthrough_confirmations (issue 12): HMAC id → when the upstream last said yes.
import { eq, lt } from "drizzle-orm";
import type { Db } from "../client.ts";
import { passthroughConfirmations as t } from "../schema.ts";

export function confirmationAt(db: Db, id: string): number | undefined {
  return db.select({ at: t.confirmedAt }).from(t).where(eq(t.id, id)).get()?.at;
}

export function recordConfirmation(db: Db, id: string, at: number): void {
  db.insert(t).values({ id, confirmedAt: at }).onConflictDoUpdate({ target: t.id, set: { confirmedAt: at } }).run();
}

export function deleteConfirmation(db: Db, id: string): void {
  db.delete(t).where(eq(t.id, id)).run();
}

/** Drops confirmations older than `before` (ms since the epoch); returns how many. */
export function pruneConfirmations(db: Db, before: number): number {
  return (db.delete(t).where(lt(t.confirmedAt, before)).run() as { changes?: number }).changes ?? 0;
}
