// The CLI contract of the compiled binary for bad input: a broken config is a user error
// (exit 1, one line naming the file and the key), a bad command line a usage error (exit 2).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCommand, type RunResult } from "../helpers/processes.ts";
import { useTempDir } from "../helpers/tmp.ts";
import { freePort } from "../helpers/ports.ts";
import { regcacheCommand } from "./regcache-process.ts";

function regcache(args: string[]): Promise<RunResult> {
  const [command, argv] = regcacheCommand("binary", args);
  // serve with a broken config must exit by itself; the timeout only guards against a hang.
  return runCommand(command, argv, { allowFailure: true, timeoutMs: 15_000, name: "regcache", env: { REGCACHE_CONFIG: undefined } });
}

/** Writes regcache.toml into a fresh dir; returns its path. */
function configFile(text: string): string {
  const path = join(useTempDir(), "regcache.toml");
  writeFileSync(path, text);
  return path;
}

const goodConfig = (port: number, storage: string) =>
  `[server]\nlisten = "127.0.0.1:${port}"\nshutdown_grace = "5s"\n[storage]\npath = ${JSON.stringify(storage)}\n`;

const upstreamTtl = (ttl: string) => `[[upstream]]\nname = "docker.io"\nurl = "https://registry-1.docker.io"\nttl = "${ttl}"\n`;

/** A user error: exit 1, nothing on stdout, exactly one line on stderr. */
function expectOneLineError(result: RunResult, line: string | RegExp) {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe("");
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  if (typeof line === "string") expect(lines[0]).toBe(line);
  else expect(lines[0]).toMatch(line);
}

describe("a broken config file", () => {
  const cases: Array<[string, string, string | RegExp]> = [
    ["an invalid duration", upstreamTtl("soon"), 'regcache: regcache.toml: upstream[0].ttl: expected a duration like "24h", got "soon"'],
    ["an unknown key", '[server]\nlisen = "127.0.0.1:5000"\n', /^regcache: regcache\.toml: server\.lisen: unknown key/],
    ["a TOML syntax error", '[server\nlisten = "127.0.0.1:5000"\n', /^regcache: regcache\.toml: line 1, column \d+: /],
    ["a wrong type", "[server]\nlisten = 5000\n", /^regcache: regcache\.toml: server\.listen: /],
  ];

  for (const [what, text, line] of cases) {
    test(`${what}: config check and serve exit 1 naming the file and key`, async () => {
      const path = configFile(text);
      expectOneLineError(await regcache(["config", "check", "--config", path]), line);
      expectOneLineError(await regcache(["serve", "--config", path]), line);
    });
  }

  test("a config file that does not exist is a user error too", async () => {
    const path = join(useTempDir(), "missing.toml");
    expectOneLineError(await regcache(["config", "check", "--config", path]), `regcache: ${path}: cannot read: ENOENT`);
    expectOneLineError(await regcache(["serve", "--config", path]), `regcache: ${path}: cannot read: ENOENT`);
  });

  test("$REGCACHE_CONFIG is read when --config is absent", async () => {
    const path = configFile(upstreamTtl("soon"));
    const [command, argv] = regcacheCommand("binary", ["config", "check"]);
    const result = await runCommand(command, argv, { allowFailure: true, timeoutMs: 15_000, env: { REGCACHE_CONFIG: path } });
    expectOneLineError(result, /upstream\[0\]\.ttl: expected a duration/);
  });
});

describe("the command line", () => {
  test("an unknown command exits 2 with the usage", async () => {
    const result = await regcache(["frobnicate"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^regcache: unknown command "frobnicate"\n/);
    expect(result.stderr).toContain("usage: regcache <command>");
  });

  test("an unknown option and an unknown config sub-command exit 2", async () => {
    expect((await regcache(["serve", "--bogus"])).code).toBe(2);
    expect((await regcache(["config", "lint"])).code).toBe(2);
    expect((await regcache([])).code).toBe(2);
  });

  test("config check of a good file exits 0 and summarizes it", async () => {
    const storage = join(useTempDir(), "storage");
    const path = configFile(goodConfig(await freePort(), storage) + upstreamTtl("24h"));
    const result = await regcache(["config", "check", "--config", path]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: ok \\(.*1 upstream\\(s\\)\\)\\n$`));
  });

  test("version exits 0", async () => {
    const result = await regcache(["version"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^regcache \d+\.\d+\.\d+ \(bun /);
  });
});
