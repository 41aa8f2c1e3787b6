// Queries built once per connection. drizzle rebuilds a query's SQL from its
// builder on every call (column lists, escaping, merging chunks): on a warm manifest
// GET that was over 40 % of the CPU (bench/README.md, "Warm manifest GETs"). A query
// on the hot path is built once with placeholders, prepared, and then only executed
// with its values. Kept per Db, so tests with many databases do not share them.
import type { Db } from "./client.ts";

const byDb = new WeakMap<Db, Map<string, unknown>>();

/** The query `build` makes for `db`, built on first use under `name` and kept. */
export function prepared<T>(db: Db, name: string, build: (db: Db) => T): T {
  let queries = byDb.get(db);
  if (!queries) byDb.set(db, (queries = new Map()));
  let query = queries.get(name) as T | undefined;
  if (query === undefined) {
    query = build(db);
    queries.set(name, query);
  }
  return query;
}
