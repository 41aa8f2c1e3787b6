// Opens the metadata database: pragmas, embedded migrations, and the drizzle
// object built on drizzle's bun-sqlite session, which works over any
// bun:sqlite-shaped client (bun:sqlite itself, or the node:sqlite adapter).
import { SQLiteBunSession } from "drizzle-orm/bun-sqlite/session";
import { BaseSQLiteDatabase, SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import type { SqliteClient } from "../platform/types.ts";
import { MIGRATIONS } from "./migrations.ts";
import { withStatementCache } from "./statement-cache.ts";
import * as schema from "./schema.ts";

export type Db = BaseSQLiteDatabase<"sync", unknown, typeof schema>;

export interface Database {
  db: Db;
  client: SqliteClient;
  close(): void;
}

export class MigrationError extends Error {}

export function openDatabase(raw: SqliteClient): Database {
  const client = withStatementCache(raw);
  // WAL lets readers (every pull) proceed while a writer commits; NORMAL sync is
  // durable across process crashes in WAL mode, which is the failure we guard.
  // The busy timeout comes first: switching to WAL and migrating take locks, and
  // another process (an operator's sqlite3, a previous instance still exiting)
  // may hold one for a moment; without it, start-up would fail at once.
  client.exec("PRAGMA busy_timeout = 5000");
  client.exec("PRAGMA journal_mode = WAL");
  client.exec("PRAGMA synchronous = NORMAL");
  client.exec("PRAGMA foreign_keys = ON");
  migrate(client);
  const dialect = new SQLiteSyncDialect();
  const session = new SQLiteBunSession(client as never, dialect, undefined, {});
  const db = new BaseSQLiteDatabase("sync", dialect, session as never, undefined) as unknown as Db;
  return { db, client, close: () => client.close() };
}

function migrate(client: SqliteClient): void {
  const row = client.prepare("PRAGMA user_version").get() as { user_version: number };
  const current = row.user_version;
  if (current > MIGRATIONS.length) {
    throw new MigrationError(`database schema version ${current} is newer than this regcache (${MIGRATIONS.length}); upgrade regcache`);
  }
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    client.transaction(() => {
      client.exec(MIGRATIONS[version - 1]!);
      client.exec(`PRAGMA user_version = ${version}`);
    }).immediate();
  }
}
