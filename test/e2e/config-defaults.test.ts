// `regcache config defaults` prints the embedded defaults; install.sh writes
// /etc/regcache/regcache.toml from it, so it must stay a valid config.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { runCommand } from "../helpers/processes.ts";
import { useTempDir } from "../helpers/tmp.ts";
import { BINARY } from "./regcache-process.ts";
import { writeHtpasswdFile } from "../helpers/htpasswd.ts";

test("the printed defaults pass config check, with the storage path install.sh sets", async () => {
  const printed = await runCommand(BINARY, ["config", "defaults"]);
  expect(printed.stdout).toMatch(/^path = "\.\/regcache-data"$/m);
  expect(printed.stdout).toMatch(/^name = "docker\.io"$/m);
  const file = join(useTempDir("regcache-defaults-"), "regcache.toml");
  writeFileSync(file, printed.stdout.replace('path = "./regcache-data"', 'path = "/var/lib/regcache"'));
  const checked = await runCommand(BINARY, ["config", "check", "--config", file]);
  expect(checked.stdout).toMatch(/ok \(listen 0\.0\.0\.0:5000, storage \/var\/lib\/regcache, 7 upstream\(s\)\)/);
});

test("the commented [auth] example, uncommented with a real htpasswd file, passes config check", async () => {
  const dir = useTempDir("regcache-defaults-auth-");
  const printed = await runCommand(BINARY, ["config", "defaults"]);
  const htpasswd = join(dir, "htpasswd");
  await writeHtpasswdFile(htpasswd, [{ username: "alice", password: "pw" }]);
  const example = printed.stdout
    .split("\n")
    .map((line) => (/^# (\[auth|\[\[access|htpasswd|token_ttl|admin_users|dev|repository|groups|anonymous|actions)/.test(line) ? line.slice(2) : line))
    .join("\n")
    .replace('"/etc/regcache/htpasswd"', JSON.stringify(htpasswd))
    .replace('path = "./regcache-data"', `path = ${JSON.stringify(join(dir, "data"))}`);
  expect(example).toMatch(/^\[auth\]$/m);
  expect(example).toMatch(/^\[\[access\]\]$/m);
  const file = join(dir, "regcache.toml");
  writeFileSync(file, example);
  const checked = await runCommand(BINARY, ["config", "check", "--config", file], { allowFailure: true });
  expect(checked.stderr).toBe("");
  expect(checked.code).toBe(0);
});
