// issue 12, items 1 and 2 (over plain HTTP; the HTTPS combination is tested after the TLS
// work is merged): podman login and pull, skopeo and ctr against the compiled binary with
// [auth] and [[access]]; pushes refused without push rights and accepted with them;
// anonymous pulls refused or allowed per the rules; admin API tokens; SIGHUP reloading the
// users and rules; and no password, token or key in any line regcache wrote.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPodman, pullToLayout, pushLayout, type Credentials } from "../../helpers/clients.ts";
import { startContainerd, type Containerd } from "../../helpers/containerd.ts";
import { makeImage, writeOciLayout, type GeneratedImage } from "../../helpers/oci-image.ts";
import { makeTempDir, useTempDir, type TempDir } from "../../helpers/tmp.ts";
import { runCommand } from "../../helpers/processes.ts";
import { BINARY, startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { basicHeader, expectNoSecretInOutput, fetchToken, writeHtpasswd } from "./setup.ts";

const ALICE: Credentials = { username: "alice", password: "alice-Pa55-8d1f" }; // pushes to myorg/ and public/; admin
const BOB: Credentials = { username: "bob", password: "bob-Pa55-77aa2" }; // reads myorg/
const DAVE: Credentials = { username: "dave", password: "dave-Pa55-31c9" }; // added by a SIGHUP
const ADMIN_FILE_TOKEN = "admin-file-t0ken-5a7e";

const accessToml = (extra = "") => `
[auth]
htpasswd = "HTPASSWD"
admin_users = ["alice"]
[auth.groups]
readers = ["bob"]
${extra}
[[access]]
repository = "myorg/**"
users = ["alice"]
actions = ["pull", "push", "delete"]
[[access]]
repository = "myorg/**"
groups = ["readers"]
actions = ["pull"]
[[access]]
repository = "public/**"
users = ["alice"]
actions = ["pull", "push"]
[[access]]
repository = "public/**"
anonymous = true
actions = ["pull"]
`;

describe("authentication and access rules with podman, skopeo and ctr (binary)", () => {
  let work: TempDir;
  let regcache: RegcacheProcess;
  let image: GeneratedImage;
  let layout: string;
  let htpasswd: string;
  const seen: string[] = []; // tokens handed out during the run, for the secrets check

  beforeAll(async () => {
    work = makeTempDir();
    htpasswd = join(work.path, "htpasswd");
    await writeHtpasswd(htpasswd, [ALICE, BOB]);
    const adminFile = join(work.path, "admin.token");
    writeFileSync(adminFile, `${ADMIN_FILE_TOKEN}\n`, { mode: 0o600 });
    image = makeImage({ layers: 2 });
    layout = join(work.path, "layout");
    await writeOciLayout(layout, { "1": image });
    regcache = await startRegcache({
      serverToml: `admin_token_file = ${JSON.stringify(adminFile)}`,
      extraToml: accessToml().replace("HTPASSWD", htpasswd),
    });
    // alice fills the repositories the tests read.
    await pushLayout(layout, "1", `${regcache.host}/myorg/app:1`, { destCreds: ALICE });
    await pushLayout(layout, "1", `${regcache.host}/public/base:1`, { destCreds: ALICE });
  });

  afterAll(async () => {
    await regcache?.dispose();
    work?.remove();
  });

  test("/v2/ answers 401 with the Bearer challenge; the token key is private", async () => {
    const r = await fetch(`${regcache.url}/v2/`);
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toBe(`Bearer realm="${regcache.url}/token",service="regcache"`);
    // From a client that is no trusted proxy, X-Forwarded-* cannot move the realm.
    const forged = await fetch(`${regcache.url}/v2/`, { headers: { "x-forwarded-proto": "https", "x-forwarded-host": "evil.example" } });
    expect(forged.headers.get("www-authenticate")).toBe(`Bearer realm="${regcache.url}/token",service="regcache"`);
    const { statSync } = await import("node:fs");
    expect(statSync(join(regcache.storageDir, "token-key.jwk")).mode & 0o777).toBe(0o600);
  });

  test("podman login: the right password logs in, a wrong one is refused", async () => {
    const podman = createPodman({ dir: useTempDir() });
    const ok = await podman.run(["login", "--tls-verify=false", "-u", BOB.username, "-p", BOB.password, regcache.host]);
    expect(ok.stdout).toMatch(/Login Succeeded/);
    const wrong = await podman.run(["login", "--tls-verify=false", "-u", BOB.username, "-p", "not-bobs-password", regcache.host], { allowFailure: true });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/invalid username\/password|unauthorized/i);
  });

  test("podman: a logged-in reader pulls; anonymous is refused on myorg/ and allowed on public/", async () => {
    const podman = createPodman({ dir: useTempDir() });
    await podman.run(["login", "--tls-verify=false", "-u", BOB.username, "-p", BOB.password, regcache.host]);
    await podman.pull(`${regcache.host}/myorg/app:1`);
    expect(await podman.imageDigest(`${regcache.host}/myorg/app:1`)).toBe(image.digests.manifest);

    const anonymous = createPodman({ dir: useTempDir() });
    const refused = await anonymous.pull(`${regcache.host}/myorg/app:1`, { allowFailure: true });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/unauthorized|authentication required/i);
    await anonymous.pull(`${regcache.host}/public/base:1`);
    expect(await anonymous.imageDigest(`${regcache.host}/public/base:1`)).toBe(image.digests.manifest);
  });

  test("podman push: refused without push rights (bob), accepted with them (alice)", async () => {
    const podman = createPodman({ dir: useTempDir() });
    await podman.pull(`${regcache.host}/myorg/app:1`, { creds: BOB });
    const refused = await podman.push(`${regcache.host}/myorg/app:1`, `${regcache.host}/myorg/copy:1`, { creds: BOB, allowFailure: true });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/denied|403/i);
    expect((await fetch(`${regcache.url}/v2/myorg/copy/manifests/1`, { headers: { authorization: `Bearer ${await fetchToken(regcache, ["repository:myorg/copy:pull"], ALICE)}` } })).status).toBe(404);
    await podman.push(`${regcache.host}/myorg/app:1`, `${regcache.host}/myorg/copy:1`, { creds: ALICE });
    const token = await fetchToken(regcache, ["repository:myorg/copy:pull"], ALICE);
    seen.push(token);
    const r = await fetch(`${regcache.url}/v2/myorg/copy/manifests/1`, { method: "HEAD", headers: { authorization: `Bearer ${token}`, accept: "application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json" } });
    expect(r.status).toBe(200);
  });

  test("skopeo: push refused anonymously and for a reader, accepted for alice; pulls per the rules", async () => {
    const anon = await pushLayout(layout, "1", `${regcache.host}/myorg/sk:1`, { allowFailure: true });
    expect(anon.code).not.toBe(0);
    expect(anon.stderr).toMatch(/401|unauthorized|authentication required/i);
    const reader = await pushLayout(layout, "1", `${regcache.host}/myorg/sk:1`, { destCreds: BOB, allowFailure: true });
    expect(reader.code).not.toBe(0);
    expect(reader.stderr).toMatch(/denied/i);
    await pushLayout(layout, "1", `${regcache.host}/myorg/sk:1`, { destCreds: ALICE });
    await pullToLayout(`${regcache.host}/myorg/sk:1`, useTempDir(), "1", { srcCreds: BOB });
    const anonPull = await pullToLayout(`${regcache.host}/myorg/sk:1`, useTempDir(), "1", { allowFailure: true });
    expect(anonPull.code).not.toBe(0);
    await pullToLayout(`${regcache.host}/public/base:1`, useTempDir(), "1");
    const wrong = await pullToLayout(`${regcache.host}/myorg/sk:1`, useTempDir(), "1", { srcCreds: { ...BOB, password: "guess" }, allowFailure: true });
    expect(wrong.code).not.toBe(0);
  });

  describe("containerd's ctr", () => {
    let containerd: Containerd | undefined;
    beforeAll(async () => {
      containerd = await startContainerd();
    });
    afterAll(async () => {
      await containerd?.stop();
    });

    test("pulls with --user for a reader; anonymous refused on myorg/, allowed on public/", async () => {
      const ctr = containerd!.ctr;
      await ctr(["images", "pull", "--plain-http", "--user", `${BOB.username}:${BOB.password}`, `${regcache.host}/myorg/app:1`]);
      expect(await ctr(["images", "ls", "-q"])).toContain(`${regcache.host}/myorg/app:1`);
      await expect(ctr(["images", "pull", "--plain-http", `${regcache.host}/myorg/sk:1`])).rejects.toThrow(/pull access denied|insufficient_scope|unauthorized/i);
      await ctr(["images", "pull", "--plain-http", `${regcache.host}/public/base:1`]);
    });
  });

  test("admin API: a token with registry:admin:* of an admin opens it; a non-admin's and the bare JWT scope of others do not", async () => {
    const policies = (authorization?: string) => fetch(`${regcache.url}/api/v1/immutabilitypolicy/`, { headers: authorization ? { authorization } : {} });
    expect((await policies()).status).toBe(401);
    expect((await policies(`Bearer ${ADMIN_FILE_TOKEN}`)).status).toBe(200);
    const admin = await fetchToken(regcache, ["registry:admin:*"], ALICE);
    seen.push(admin);
    expect((await policies(`Bearer ${admin}`)).status).toBe(200);
    const bob = await fetchToken(regcache, ["registry:admin:*"], BOB);
    expect((await policies(`Bearer ${bob}`)).status).toBe(401);
    // The CLI sends it as it sends the file's token.
    const cli = await runCommand(BINARY, ["policy", "list", "--config", regcache.configPath], { env: { REGCACHE_ADMIN_TOKEN: admin } });
    expect(cli.code).toBe(0);
    const cliBob = await runCommand(BINARY, ["policy", "list", "--config", regcache.configPath], { env: { REGCACHE_ADMIN_TOKEN: bob }, allowFailure: true });
    expect(cliBob.code).toBe(1);
    // A pull token of the admin is not an admin token.
    expect((await policies(`Bearer ${await fetchToken(regcache, ["repository:myorg/app:pull"], ALICE)}`)).status).toBe(401);
  });

  test("SIGHUP re-reads the htpasswd file and the rules: a new user logs in, a removed right is gone for tokens already issued", async () => {
    const before = await fetchToken(regcache, ["repository:myorg/app:pull"], BOB);
    const manifest = (token: string) => fetch(`${regcache.url}/v2/myorg/app/manifests/1`, { method: "HEAD", headers: { authorization: `Bearer ${token}`, accept: "application/vnd.oci.image.manifest.v1+json" } });
    expect((await manifest(before)).status).toBe(200);
    const dave = await fetch(`${regcache.url}/token?service=regcache`, { headers: { authorization: basicHeader(DAVE) } });
    expect(dave.status).toBe(401);

    await writeHtpasswd(htpasswd, [ALICE, BOB, DAVE]);
    const config = readFileSync(regcache.configPath, "utf8");
    // bob leaves the readers group, dave joins it.
    writeFileSync(regcache.configPath, config.replace('readers = ["bob"]', 'readers = ["dave"]'));
    process.kill(regcache.process().pid, "SIGHUP");
    await regcache.waitForLog("config reloaded");

    expect((await manifest(before)).status).toBe(403);
    const podman = createPodman({ dir: useTempDir() });
    await podman.pull(`${regcache.host}/myorg/app:1`, { creds: DAVE });
    expect(await podman.imageDigest(`${regcache.host}/myorg/app:1`)).toBe(image.digests.manifest);
  });

  test("the request log names the user; /metrics counts the gate's refusals", async () => {
    const token = await fetchToken(regcache, ["repository:myorg/app:pull"], BOB);
    await fetch(`${regcache.url}/v2/myorg/app/tags/list`, { headers: { authorization: `Bearer ${token}` } });
    // After the SIGHUP bob is no reader any more: 403, logged with his name.
    const line = await regcache.waitForLog(/"path":"\/v2\/myorg\/app\/tags\/list".*"user":"bob"/);
    expect(line.status).toBe(403);
    const metrics = await (await fetch(`${regcache.url}/metrics`)).text();
    expect(metrics).toMatch(/regcache_auth_refusals_total\{status="401"\} [1-9]/);
    expect(metrics).toMatch(/regcache_auth_refusals_total\{status="403"\} [1-9]/);
    expect(metrics).toMatch(/regcache_auth_token_requests_total\{status="200"\} [1-9]/);
    expect(metrics).toMatch(/regcache_auth_token_requests_total\{status="401"\} [1-9]/);
  });

  test("a user removed from the htpasswd file (SIGHUP) loses the tokens already issued", async () => {
    const token = await fetchToken(regcache, ["repository:myorg/app:pull"], DAVE);
    seen.push(token);
    const head = () => fetch(`${regcache.url}/v2/myorg/app/manifests/1`, { method: "HEAD", headers: { authorization: `Bearer ${token}`, accept: "application/vnd.oci.image.manifest.v1+json" } });
    expect((await head()).status).toBe(200);
    const reloads = () => regcache.logs().filter((l) => l.msg === "config reloaded").length;
    const before = reloads();
    await writeHtpasswd(htpasswd, [ALICE, BOB]);
    process.kill(regcache.process().pid, "SIGHUP");
    for (let i = 0; reloads() === before; i++) {
      if (i > 200) throw new Error("no second reload logged");
      await new Promise((r) => setTimeout(r, 25));
    }
    const refused = await head();
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  test("no password, token or key material appears in any line regcache wrote, nor in /metrics or the status page", async () => {
    const key = JSON.parse(readFileSync(join(regcache.storageDir, "token-key.jwk"), "utf8")) as { d: string };
    // Log lines trail responses by an event-loop turn: a last request with a path of its own,
    // and once its line is there, every earlier one is too.
    await fetch(`${regcache.url}/v2/secrets-check/done/tags/list`);
    await regcache.waitForLog(/"path":"\/v2\/secrets-check\/done\/tags\/list"/);
    const secrets = [ALICE.password, BOB.password, DAVE.password, ADMIN_FILE_TOKEN, key.d, ...seen, ...seen.map((t) => t.split(".")[2]!)];
    expectNoSecretInOutput(regcache, secrets);
    // Nor in the pages: /metrics, the status page (loopback may read it), its JSON.
    for (const path of ["/metrics", "/status", "/status?format=json"]) {
      const page = await (await fetch(`${regcache.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_FILE_TOKEN}` } })).text();
      expect(page.length).toBeGreaterThan(0);
      for (const secret of secrets) expect(page.includes(secret), `a secret in ${path}`).toBe(false);
    }
  });
});
