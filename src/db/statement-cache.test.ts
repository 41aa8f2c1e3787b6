import { describe, expect, test } from "vitest";
import type { SqliteClient, SqliteStatement } from "../platform/types.ts";
import { withStatementCache } from "./statement-cache.ts";

// A stand-in client that counts how often each SQL text is compiled.
function countingClient() {
  const compiled: string[] = [];
  let closed = false;
  const client: SqliteClient = {
    exec() {},
    prepare(sql) {
      compiled.push(sql);
      const statement: SqliteStatement = { run: () => sql, all: () => [sql], get: () => sql, values: () => [[sql]] };
      return statement;
    },
    transaction: (fn) => Object.assign(() => fn(), { deferred: fn, immediate: fn, exclusive: fn }),
    close() {
      closed = true;
    },
  };
  return { client, compiled, closed: () => closed };
}

describe("withStatementCache", () => {
  test("compiles each SQL text once and hands back the same statement", () => {
    const { client, compiled } = countingClient();
    const cached = withStatementCache(client);
    const first = cached.prepare("select 1");
    expect(cached.prepare("select 1")).toBe(first);
    cached.prepare("select 2");
    expect(compiled).toEqual(["select 1", "select 2"]);
  });

  test("stays bounded: past the limit the oldest text is compiled again when asked for", () => {
    const { client, compiled } = countingClient();
    const cached = withStatementCache(client, 2);
    cached.prepare("a");
    cached.prepare("b");
    cached.prepare("c"); // evicts "a"
    cached.prepare("c");
    cached.prepare("a");
    expect(compiled).toEqual(["a", "b", "c", "a"]);
  });

  test("close closes the client", () => {
    const { client, closed } = countingClient();
    withStatementCache(client).close();
    expect(closed()).toBe(true);
  });
});
