// issue 12, item 3: private upstream content. A docker-registry with htpasswd auth is
// the upstream of two passthrough upstreams of one regcache (outage_access "deny" and
// "confirmed-within"). Client A, whom the upstream accepts, pulls and fills the cache;
// client B with wrong credentials is refused, also while the content is cached; an
// anonymous client is refused; with the upstream stopped, A is served or refused
// according to outage_access. auth_cache = "0s", so every token request asks the upstream
// (the cached-yes test uses a third upstream with the default 5m).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPodman, pullToLayout, type Credentials } from "../../helpers/clients.ts";
import { makeImage, type GeneratedImage } from "../../helpers/oci-image.ts";
import { makeTempDir, useTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { seed } from "../pull-through/setup.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { basicHeader, expectNoSecretInOutput, fetchToken, writeHtpasswd } from "./setup.ts";

const A: Credentials = { username: "team-a", password: "team-a-upstream-Pw-19" };
const B: Credentials = { username: "team-a", password: "a-guess-Pw-4411" }; // same name, wrong password
const LOCAL: Credentials = { username: "ops", password: "ops-local-Pw-77" }; // a regcache user, unknown upstream
const MANIFEST = "application/vnd.oci.image.manifest.v1+json";

const passthroughToml = (name: string, url: string, extra: string) =>
  `[[upstream]]\nname = "${name}"\nurl = "${url}"\ninsecure = true\nttl = "1h"\nauth = "passthrough"\n${extra}\n`;

describe("passthrough: private upstream content only for clients the upstream accepts (binary)", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let regcache: RegcacheProcess;
  let image: GeneratedImage;

  beforeAll(async () => {
    work = makeTempDir();
    image = makeImage({ layers: 2 });
    upstream = await startUpstreamRegistry({ dir: join(work.path, "upstream"), auth: A });
    await seed(upstream, work.path, "team/app", { v1: image }, A);
    const htpasswd = join(work.path, "htpasswd");
    await writeHtpasswd(htpasswd, [LOCAL]);
    regcache = await startRegcache({
      extraToml: [
        `[auth]\nhtpasswd = ${JSON.stringify(htpasswd)}\n`,
        // The rules let everyone pull these upstreams; the upstream's own yes is needed besides.
        `[[access]]\nrepository = "**"\nanonymous = true\nactions = ["pull"]\n`,
        "[prefetch]\ncomplete_on_pull = false\n",
        passthroughToml("private", upstream.url, 'auth_cache = "0s"\noutage_access = "deny"'),
        passthroughToml("private-ow", upstream.url, 'auth_cache = "0s"\noutage_access = "confirmed-within"\noutage_window = "24h"'),
        passthroughToml("private-cached", upstream.url, ""),
      ].join("\n"),
    });
  });

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  const manifest = async (repo: string, creds?: Credentials) => {
    const token = await fetchToken(regcache, [`repository:${repo}:pull`], creds);
    return fetch(`${regcache.url}/v2/${repo}/manifests/${image.digests.manifest}`, { headers: { authorization: `Bearer ${token}`, accept: MANIFEST } });
  };

  test("client A pulls with its own upstream credentials and fills the cache", async () => {
    const podman = createPodman({ dir: useTempDir() });
    for (const name of ["private", "private-ow"]) {
      await podman.pull(`${regcache.host}/${name}/team/app:v1`, { creds: A });
      expect(await podman.imageDigest(`${regcache.host}/${name}/team/app:v1`)).toBe(image.digests.manifest);
    }
    // The blobs came from the upstream with A's credentials.
    await upstream.waitForRequests({ method: "GET", path: /\/blobs\//, status: 200 }, 3);
  });

  test("client B with wrong credentials is refused, also while the content is cached; anonymous too", async () => {
    const refused = await pullToLayout(`${regcache.host}/private/team/app:v1`, useTempDir(), "v1", { srcCreds: B, allowFailure: true });
    expect(refused.code).not.toBe(0);
    upstream.resetAccessLog();
    // The manifest is cached (by digest: it never needs the upstream), yet B's token grants nothing.
    const b = await manifest("private/team/app", B);
    expect(b.status).toBe(401);
    // The upstream was asked about B's credentials (and said no); nothing was fetched for B.
    await upstream.waitForRequests({ path: /\/tags\/list/, status: 401 }, 1);
    expect(upstream.countRequests({ path: /\/manifests\//u })).toBe(0);
    const anonymous = await pullToLayout(`${regcache.host}/private/team/app:v1`, useTempDir(), "v1", { allowFailure: true });
    expect(anonymous.code).not.toBe(0);
    expect((await manifest("private/team/app")).status).toBe(401);
    // A regcache user the upstream does not know gets no private content either.
    expect((await manifest("private/team/app", LOCAL)).status).toBe(401);
    expect((await manifest("private/team/app", A)).status).toBe(200);
  });

  test("?ns= cannot reach passthrough content with a token for another name", async () => {
    // "team/app" alone is a local name: the rules let anyone pull it, and no upstream is asked.
    const token = await fetchToken(regcache, ["repository:team/app:pull"]);
    const r = await fetch(`${regcache.url}/v2/team/app/manifests/${image.digests.manifest}?ns=private`, { headers: { authorization: `Bearer ${token}`, accept: MANIFEST } });
    expect(r.status).toBe(401);
    expect(await r.text()).toMatch(/passthrough/);
  });

  test("within auth_cache (default 5m) the upstream is asked once per credential and repository", async () => {
    const yes = { path: /\/tags\/list/, status: 200 };
    const before = upstream.countRequests(yes);
    expect((await manifest("private-cached/team/app", A)).status).toBe(200);
    await upstream.waitForRequests(yes, before + 1); // the upstream's yes (log lines trail responses)
    const asked = upstream.countRequests({ path: /\/tags\/list/ });
    expect((await manifest("private-cached/team/app", A)).status).toBe(200);
    expect((await manifest("private-cached/team/app", A)).status).toBe(200);
    expect(upstream.countRequests({ path: /\/tags\/list/ })).toBe(asked);
    // A wrong password is no cached yes.
    expect((await manifest("private-cached/team/app", B)).status).toBe(401);
  });

  test("during an upstream outage: outage_access = deny refuses A; confirmed-within serves A, not B", async () => {
    await upstream.stop();
    expect((await manifest("private/team/app", A)).status).toBe(401);
    const served = await manifest("private-ow/team/app", A);
    expect(served.status).toBe(200);
    expect(await served.arrayBuffer().then((b) => b.byteLength)).toBe(image.manifest.bytes.byteLength);
    expect((await manifest("private-ow/team/app", B)).status).toBe(401);
    await regcache.waitForLog("passthrough: upstream unreachable, access decided by outage_access");
    const podman = createPodman({ dir: useTempDir() });
    await podman.pull(`${regcache.host}/private-ow/team/app:v1`, { creds: A });
  });

  test("a restart during the outage keeps confirmed-within: A still served, B still refused; the database holds no password", async () => {
    await regcache.restart();
    expect((await manifest("private-ow/team/app", A)).status).toBe(200);
    expect((await manifest("private-ow/team/app", B)).status).toBe(401);
    expect((await manifest("private/team/app", A)).status).toBe(401);
    await regcache.stop();
    for (const file of readdirSync(regcache.storageDir).filter((f) => f.startsWith("regcache.db"))) {
      const bytes = readFileSync(join(regcache.storageDir, file));
      for (const secret of [A.password, B.password, LOCAL.password]) expect(bytes.includes(secret), `${secret} in ${file}`).toBe(false);
    }
    await regcache.restart();
  });

  test("no upstream password, regcache password or token appears in regcache's output", async () => {
    const token = await fetchToken(regcache, ["repository:private-ow/team/app:pull"], A);
    await fetch(`${regcache.url}/token?service=regcache`, { headers: { authorization: basicHeader(LOCAL) } });
    // A last request with a path of its own: once its line is there, every earlier one is too.
    await fetch(`${regcache.url}/v2/secrets-check/done/tags/list`);
    await regcache.waitForLog(/"path":"\/v2\/secrets-check\/done\/tags\/list"/);
    expectNoSecretInOutput(regcache, [A.password, B.password, LOCAL.password, token]);
  });
});
