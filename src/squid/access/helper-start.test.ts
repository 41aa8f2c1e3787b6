import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { squidSection } from "../../config/squid.ts";
import type { Account } from "./account.ts";
import { helperStartProblem } from "./helper-start.ts";

const proxy: Account = { name: "proxy", uid: 4_000_013, gids: [4_000_013] };
const lookup = (name: string) => (name === "proxy" ? proxy : undefined);
let dir: string;
const settings = (input: Record<string, unknown>) => v.parse(squidSection, input);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "regcache-helper-start-"));
  chmodSync(dir, 0o755); // mkdtemp makes it 0700
  mkdirSync(join(dir, "private"), { mode: 0o700 });
  mkdirSync(join(dir, "bin"), { mode: 0o755 });
  writeFileSync(join(dir, "private", "regcache"), "", { mode: 0o755 });
  writeFileSync(join(dir, "bin", "regcache"), "", { mode: 0o755 });
  writeFileSync(join(dir, "regcache.toml"), "", { mode: 0o600 });
  writeFileSync(join(dir, "shared.toml"), "", { mode: 0o644 });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("helperStartProblem", () => {
  it("accepts a command and config that Squid's user can execute and read", async () => {
    const s = settings({ command: `${join(dir, "bin", "regcache")} --flag` });
    expect(await helperStartProblem(s, { lookup, configPath: join(dir, "shared.toml") })).toBeUndefined();
  });
  it("names the path and the user when a directory on the way is closed", async () => {
    const s = settings({ command: join(dir, "private", "regcache") });
    expect(await helperStartProblem(s, { lookup })).toBe(
      `user proxy (cache_effective_user) cannot execute the store-id helper ${join(dir, "private", "regcache")}: directory ${join(dir, "private")} is not searchable by user proxy (mode 700)`,
    );
  });
  it("names the config file the helper could not read", async () => {
    const s = settings({ command: join(dir, "bin", "regcache") });
    expect(await helperStartProblem(s, { lookup, configPath: join(dir, "regcache.toml") })).toMatch(
      /^user proxy \(cache_effective_user\) cannot read .*regcache\.toml, which the store-id helper loads: .* is not readable by user proxy \(mode 600\)$/,
    );
  });
  it("searches a bare command in PATH, as Squid's execvp does", async () => {
    expect(await helperStartProblem(settings({ command: "regcache" }), { lookup, path: `/nonexistent:${join(dir, "bin")}` })).toBeUndefined();
    expect(await helperStartProblem(settings({ command: "regcache" }), { lookup, path: "/nonexistent" })).toMatch(/regcache \(command\) is not found in PATH$/);
  });
  it("refuses a user this host does not have, and checks nothing when no helper is configured", async () => {
    expect(await helperStartProblem(settings({ cache_effective_user: "squid" }), { lookup })).toMatch(/^user squid \(cache_effective_user\).*does not exist on this host$/);
    expect(await helperStartProblem(settings({ store_id_children: 0, command: "/nonexistent" }), { lookup })).toBeUndefined();
  });
});
