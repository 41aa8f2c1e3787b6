// Issue 15, item 3: an upgrade keeps the data and the new binary migrates it. The
// store of "the previous release" is made here, at test time, with the project's own
// migrations minus the newest one (never a committed binary dump); then install.sh
// upgrades the staged root and the installed binary serves that store.
import { Database } from "bun:sqlite";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { MIGRATIONS } from "../../src/db/migrations.ts";
import { freePort } from "../helpers/ports.ts";
import { spawnProcess, waitForHttp } from "../helpers/processes.ts";
import { makeTempDir, type TempDir } from "../helpers/temp-dirs.ts";
import { install } from "./run-install.ts";

let dir: TempDir;
beforeEach(() => {
  dir = makeTempDir("regcache-upgrade-");
});
afterEach(() => dir.remove());

/** A database as the release before this one left it: migrations 1..N-1, the way src/db/client.ts applies them, with a cached tag. */
function previousReleaseStore(path: string): void {
  const db = new Database(path, { create: true });
  MIGRATIONS.slice(0, -1).forEach((migration, i) => {
    db.transaction(() => {
      db.exec(migration);
      db.exec(`PRAGMA user_version = ${i + 1}`);
    }).immediate();
  });
  db.exec(`INSERT INTO repositories (id, name) VALUES (1, 'up/app/old')`);
  db.exec(`INSERT INTO manifests (id, repository_id, digest, media_type, content, size, created_at)
           VALUES (1, 1, 'sha256:${"a".repeat(64)}', 'application/vnd.oci.image.manifest.v1+json', X'7B7D', 2, 1)`);
  db.exec(`INSERT INTO tags (repository_id, name, manifest_id, updated_at, confirmed_at) VALUES (1, 'v1', 1, 1, 1)`);
  db.close();
}

test("install.sh upgrades over a store of the previous schema; the new binary migrates it and serves its tags", async () => {
  expect(MIGRATIONS.length).toBeGreaterThanOrEqual(2);
  const root = join(dir.path, "root");
  install(root);
  const state = join(root, "var/lib/regcache");
  previousReleaseStore(join(state, "regcache.db"));

  const upgrade = install(root);
  expect(upgrade.stdout).toContain("kept /etc/regcache/regcache.toml");

  // The installed config, pointed at the staged state dir and a loopback port, and with
  // the public upstreams of the defaults swapped for one on loopback: only 127.0.0.1 is used.
  const port = await freePort();
  const installed = readFileSync(join(root, "etc/regcache/regcache.toml"), "utf8");
  const config =
    installed
      .slice(0, installed.indexOf("[[upstream]]"))
      .replace(/^listen = .*$/m, `listen = "127.0.0.1:${port}"`)
      .replace(/^default_upstream = .*$/m, "")
      .replace(/^path = "\/var\/lib\/regcache"$/m, `path = ${JSON.stringify(state)}`) +
    `[[upstream]]\nname = "up"\nurl = "http://127.0.0.1:${await freePort()}"\ninsecure = true\n`;
  expect(config).toContain(`listen = "127.0.0.1:${port}"`);
  expect(config).toContain(`path = ${JSON.stringify(state)}`);
  const configPath = join(dir.path, "regcache.toml");
  writeFileSync(configPath, config);

  const server = spawnProcess(join(root, "usr/local/bin/regcache"), ["serve", "--config", configPath], { name: "installed regcache", env: { REGCACHE_CONFIG: undefined } });
  try {
    await server.waitForLine(/"msg":"regcache started"/, 20_000, "stdout");
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 10_000);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    const catalog = (await (await fetch(`http://127.0.0.1:${port}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(catalog.repositories).toContain("up/app/old");
    const status = (await (await fetch(`http://127.0.0.1:${port}/status?format=json`)).json()) as { images: { total: number } };
    expect(status.images.total).toBe(1);
  } finally {
    await server.stop("SIGTERM", 10_000);
  }

  const db = new Database(join(state, "regcache.db"), { readonly: true });
  try {
    expect((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT name FROM tags").all()).toEqual([{ name: "v1" }]);
  } finally {
    db.close();
  }
});
