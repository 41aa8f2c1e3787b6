// node:sqlite's DatabaseSync made to look like bun:sqlite's Database, which is
// the client drizzle's bun-sqlite session expects (see DESIGN.md, "Runtimes").
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { SqliteClient, SqliteStatement, SqliteTransactionFn } from "./types.ts";

type Param = null | number | bigint | string | Uint8Array;

function adaptStatement(db: DatabaseSync, sql: string): SqliteStatement {
  const stmt: StatementSync = db.prepare(sql);
  // A second statement in array mode serves values(); toggling one statement's
  // mode back and forth would break when calls interleave.
  let arrays: StatementSync | undefined;
  return {
    run: (...params) => stmt.run(...(params as Param[])),
    all: (...params) => stmt.all(...(params as Param[])),
    get: (...params) => stmt.get(...(params as Param[])),
    values: (...params) => {
      if (!arrays) {
        arrays = db.prepare(sql);
        (arrays as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(true);
      }
      return arrays.all(...(params as Param[])) as unknown as unknown[][];
    },
  };
}

function adaptTransaction(db: DatabaseSync, fn: () => void): SqliteTransactionFn {
  const runWith = (begin: string) => () => {
    db.exec(begin);
    try {
      fn();
      db.exec("COMMIT");
    } catch (e) {
      db.exec("ROLLBACK");
      throw e;
    }
  };
  const tx = runWith("BEGIN DEFERRED") as SqliteTransactionFn;
  tx.deferred = runWith("BEGIN DEFERRED");
  tx.immediate = runWith("BEGIN IMMEDIATE");
  tx.exclusive = runWith("BEGIN EXCLUSIVE");
  return tx;
}

export function adaptNodeSqlite(db: DatabaseSync): SqliteClient {
  return {
    exec: (sql) => db.exec(sql),
    prepare: (sql) => adaptStatement(db, sql),
    transaction: (fn) => adaptTransaction(db, fn),
    close: () => db.close(),
  };
}
