// Compiled statements kept by SQL text. drizzle's bun-sqlite session prepares every
// query anew, so each request paid sqlite3_prepare for each of its queries (about a
// sixth of a cached manifest GET). A query shape always yields the same SQL text, so
// one compiled statement per text serves every call. Sharing one statement is safe
// because each use runs synchronously to completion: no two callers interleave on it.
// Bounded, because queries with IN-lists of varying length make new texts; evicted
// statements are not finalized here (a long-lived drizzle .prepare() may still hold
// one), the runtime frees them when they are unreachable.
import type { SqliteClient, SqliteStatement } from "../platform/types.ts";

export function withStatementCache(client: SqliteClient, max = 512): SqliteClient {
  const cache = new Map<string, SqliteStatement>();
  return {
    exec: (sql) => client.exec(sql),
    prepare(sql) {
      const cached = cache.get(sql);
      if (cached) return cached;
      const statement = client.prepare(sql);
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(sql, statement);
      return statement;
    },
    transaction: (fn) => client.transaction(fn),
    close() {
      cache.clear();
      client.close();
    },
  };
}
