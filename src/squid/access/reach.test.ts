import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account } from "./account.ts";
import { cannotReach, permits } from "./reach.ts";

// Someone who owns none of the test's files (like Debian's proxy, uid 13).
const other: Account = { name: "proxy", uid: 4_000_013, gids: [4_000_013] };
const root: Account = { name: "root", uid: 0, gids: [0] };

describe("permits", () => {
  const f = (mode: number) => ({ mode, uid: 1000, gid: 100 });
  it("applies the owner, else the group, else the other bits", () => {
    expect(permits(f(0o700), { name: "a", uid: 1000, gids: [5] }, 1, false)).toBe(true);
    expect(permits(f(0o070), { name: "a", uid: 1000, gids: [100] }, 1, false)).toBe(false); // the owner's bits win
    expect(permits(f(0o050), { name: "b", uid: 1001, gids: [7, 100] }, 1, false)).toBe(true);
    expect(permits(f(0o005), { name: "c", uid: 1002, gids: [7] }, 4, false)).toBe(true);
    expect(permits(f(0o770), { name: "c", uid: 1002, gids: [7] }, 1, false)).toBe(false);
  });
  it("lets root search any directory and read anything, but execute only with an x bit", () => {
    expect(permits(f(0o000), root, 1, true)).toBe(true);
    expect(permits(f(0o000), root, 4, false)).toBe(true);
    expect(permits(f(0o644), root, 1, false)).toBe(false);
    expect(permits(f(0o100), root, 1, false)).toBe(true);
  });
});

describe("cannotReach", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "regcache-reach-"));
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, "locked"), { mode: 0o700 });
    mkdirSync(join(dir, "open"), { mode: 0o755 });
    for (const d of ["locked", "open"]) writeFileSync(join(dir, d, "bin"), "#!/bin/sh\n", { mode: 0o755 });
    writeFileSync(join(dir, "open", "data"), "x", { mode: 0o644 });
    writeFileSync(join(dir, "open", "secret"), "x", { mode: 0o600 });
    symlinkSync(join(dir, "locked", "bin"), join(dir, "open", "link"));
    chmodSync(join(dir, "locked"), 0o700);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("accepts an executable under searchable directories", async () => {
    expect(await cannotReach(join(dir, "open", "bin"), other, "execute")).toBeUndefined();
    expect(await cannotReach(join(dir, "open", "data"), other, "read")).toBeUndefined();
  });
  it("names the directory another user cannot search, and the user", async () => {
    expect(await cannotReach(join(dir, "locked", "bin"), other, "execute")).toBe(`directory ${join(dir, "locked")} is not searchable by user proxy (mode 700)`);
  });
  it("follows a symlink into such a directory", async () => {
    expect(await cannotReach(join(dir, "open", "link"), other, "execute")).toMatch(/^directory .*locked is not searchable by user proxy .*\(on the way to .*locked\/bin\)$/);
  });
  it("refuses a file without the bit, a missing file, a directory", async () => {
    expect(await cannotReach(join(dir, "open", "data"), other, "execute")).toBe(`${join(dir, "open", "data")} is not executable by user proxy (mode 644)`);
    expect(await cannotReach(join(dir, "open", "secret"), other, "read")).toMatch(/is not readable by user proxy \(mode 600\)$/);
    expect(await cannotReach(join(dir, "open", "missing"), other, "execute")).toMatch(/missing does not exist$/);
    expect(await cannotReach(join(dir, "open"), other, "execute")).toMatch(/open is not a file$/);
  });
});
