// The admin API's access rule with the real binary: by default only loopback
// clients (the tests are loopback, so they pass); with server.admin_token_file,
// only requests with the token, which the CLI reads from the same config.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { runCommand } from "../helpers/processes.ts";
import { makeTempDir } from "../helpers/temp-dirs.ts";
import { BINARY, startRegcache, type RegcacheProcess } from "./regcache-process.ts";

const secrets = makeTempDir("regcache-admin-");
const tokenFile = join(secrets.path, "admin.token");
let regcache: RegcacheProcess;

beforeAll(async () => {
  writeFileSync(tokenFile, "t0ken-for-tests\n", { mode: 0o600 }); // a secret: not readable by others
  regcache = await startRegcache({ serverToml: `admin_token_file = ${JSON.stringify(tokenFile)}` });
});

afterAll(async () => {
  await regcache?.dispose();
  secrets.remove();
});

const policies = (auth?: string) =>
  fetch(`${regcache.url}/api/v1/immutabilitypolicy/`, { headers: auth ? { authorization: auth } : {} });

test("without the token the admin API answers 401 and says what it needs", async () => {
  const r = await policies();
  expect(r.status).toBe(401);
  expect(r.headers.get("www-authenticate")).toMatch(/^Bearer/);
  expect(((await r.json()) as { error: string }).error).toMatch(/admin_token_file/);
  expect((await policies("Bearer wrong")).status).toBe(401);
});

test("with the token it answers, and the registry API itself needs none", async () => {
  expect((await policies("Bearer t0ken-for-tests")).status).toBe(200);
  expect((await fetch(`${regcache.url}/v2/`)).status).toBe(200);
});

test("the CLI sends the token from the config; a wrong $REGCACHE_ADMIN_TOKEN fails in one line", async () => {
  const ok = await runCommand(BINARY, ["policy", "list", "--config", regcache.configPath], { env: { REGCACHE_ADMIN_TOKEN: undefined } });
  expect(ok.code).toBe(0);
  const refused = await runCommand(BINARY, ["policy", "list", "--config", regcache.configPath], { env: { REGCACHE_ADMIN_TOKEN: "nope" }, allowFailure: true });
  expect(refused.code).toBe(1);
  expect(refused.stderr.trim().split("\n")).toHaveLength(1);
  expect(refused.stderr).toMatch(/admin_token_file/);
});

test("an unreadable token file is a config error naming the key", async () => {
  const dir = makeTempDir("regcache-admin-bad-");
  try {
    const config = join(dir.path, "regcache.toml");
    writeFileSync(config, `[server]\nlisten = "127.0.0.1:1"\nadmin_token_file = "${join(dir.path, "missing")}"\n[storage]\npath = "${dir.path}"\n`);
    const r = await runCommand(BINARY, ["serve", "--config", config], { allowFailure: true, timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/server\.admin_token_file: cannot read .*missing: ENOENT/);
  } finally {
    dir.remove();
  }
});
