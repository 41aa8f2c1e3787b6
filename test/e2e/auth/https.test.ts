// Issue 12, item 1 as a site runs it: TLS and authentication together. regcache serves HTTPS
// with a certificate from a CA made in this test (trusted through the test's own certs.d
// directory, never --tls-verify=false) and has [auth] with [[access]] rules. podman logs in and
// pulls through it from Debian's docker-registry; a push is refused without push rights and
// accepted with them; an anonymous pull is refused or allowed as the rules say. skopeo does the
// same with its cert-dir flags. The token realm that clients follow is an https:// URL.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPodman, inspectRaw, pullToLayout, pushLayout, type Credentials } from "../../helpers/clients.ts";
import { makeImage, writeOciLayout, type GeneratedImage } from "../../helpers/oci-image.ts";
import { fetchTrusting, makeTestCa, type TestCa } from "../../helpers/test-ca.ts";
import { makeTempDir, useTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { seed, upstreamToml } from "../pull-through/setup.ts";
import { sha256 } from "../oci-http.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { expectNoSecretInOutput, writeHtpasswd } from "./setup.ts";

const WRITER: Credentials = { username: "wendy", password: "wendy-Pa55-2c41" }; // pulls and pushes myorg/
const READER: Credentials = { username: "rick", password: "rick-Pa55-9e07" }; // pulls myorg/ and up/

let work: TempDir;
let ca: TestCa;
let upstream: UpstreamRegistry;
let regcache: RegcacheProcess;
let image: GeneratedImage;
let certDir: string;

beforeAll(async () => {
  work = makeTempDir();
  ca = await makeTestCa(join(work.path, "ca"));
  const served = await ca.issue("server");
  upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
  image = makeImage({ layers: 2 });
  await seed(upstream, work.path, "app/web", { v1: image });
  const htpasswd = join(work.path, "htpasswd");
  await writeHtpasswd(htpasswd, [WRITER, READER]);
  regcache = await startRegcache({
    tls: { cert: served.chainFile, key: served.keyFile, caPem: ca.rootPem },
    extraToml:
      upstreamToml({ name: "up", url: upstream.url }) +
      `[prefetch]\ncomplete_on_pull = false\n` +
      `[auth]\nhtpasswd = ${JSON.stringify(htpasswd)}\n` +
      `[[access]]\nrepository = "myorg/**"\nusers = ["wendy"]\nactions = ["pull", "push"]\n` +
      `[[access]]\nrepository = "myorg/**"\nusers = ["rick"]\nactions = ["pull"]\n` +
      `[[access]]\nrepository = "up/**"\nusers = ["rick", "wendy"]\nactions = ["pull"]\n` +
      // First match decides and anonymous includes everyone: wendy's entry comes first.
      `[[access]]\nrepository = "public/**"\nusers = ["wendy"]\nactions = ["pull", "push"]\n` +
      `[[access]]\nrepository = "public/**"\nanonymous = true\nactions = ["pull"]\n`,
  });
  certDir = ca.certDir(join(work.path, "certs.d", regcache.host));
});

afterAll(async () => {
  await regcache?.dispose();
  await upstream?.stop();
  work?.remove();
});

test("the challenge on /v2/ names an https:// realm on the listener", async () => {
  const r = await fetchTrusting(ca.rootPem)(`${regcache.url}/v2/`);
  expect(r.status).toBe(401);
  expect(r.headers.get("www-authenticate")).toBe(`Bearer realm="https://${regcache.host}/token",service="regcache"`);
});

describe("podman over HTTPS with a login", () => {
  test("logs in (a wrong password is refused), pulls through the cache, and the cached image is the upstream's", async () => {
    const podman = createPodman({ dir: useTempDir(), certDir });
    const wrong = await podman.run(["login", `--cert-dir=${certDir}`, "-u", READER.username, "-p", "not-ricks", regcache.host], { allowFailure: true });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/401|unauthorized|invalid username\/password/i);
    await podman.run(["login", `--cert-dir=${certDir}`, "-u", READER.username, "-p", READER.password, regcache.host]);
    const ref = `${regcache.host}/up/app/web:v1`;
    await podman.pull(ref);
    expect(await podman.imageDigest(ref)).toBe(image.digests.manifest);
  });

  test("a push without push rights is refused; with them it is accepted and pulls back", async () => {
    const reader = createPodman({ dir: useTempDir(), certDir });
    await reader.pull(`${regcache.host}/up/app/web:v1`, { creds: READER });
    const refused = await reader.push(`${regcache.host}/up/app/web:v1`, `${regcache.host}/myorg/pushed:1`, { creds: READER, allowFailure: true });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/denied|unauthorized|insufficient/i);

    const writer = createPodman({ dir: useTempDir(), certDir });
    await writer.pull(`${regcache.host}/up/app/web:v1`, { creds: WRITER });
    await writer.push(`${regcache.host}/up/app/web:v1`, `${regcache.host}/myorg/pushed:1`, { creds: WRITER });
    const back = createPodman({ dir: useTempDir(), certDir });
    await back.pull(`${regcache.host}/myorg/pushed:1`, { creds: READER });
    const [inspected] = await back.inspect(`${regcache.host}/myorg/pushed:1`);
    expect(`sha256:${inspected!.Id}`).toBe(image.digests.config);
  });

  test("anonymous pulls: refused where no rule includes anonymous, allowed where one does", async () => {
    const writer = createPodman({ dir: useTempDir(), certDir });
    await writer.pull(`${regcache.host}/up/app/web:v1`, { creds: WRITER });
    await writer.push(`${regcache.host}/up/app/web:v1`, `${regcache.host}/public/base:1`, { creds: WRITER });

    const anonymous = createPodman({ dir: useTempDir(), certDir });
    const refused = await anonymous.pull(`${regcache.host}/up/app/web:v1`, { allowFailure: true });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/unauthorized|authentication required|denied/i);
    await anonymous.pull(`${regcache.host}/public/base:1`);
    expect(await anonymous.imageDigest(`${regcache.host}/public/base:1`)).toBe(image.digests.manifest);
  });
});

describe("skopeo over HTTPS with credentials", () => {
  test("pushes with push rights, reads with pull rights, is refused without them; every blob matches", async () => {
    const pushed = makeImage({ layers: 1 });
    const layout = join(work.path, "skopeo-layout");
    await writeOciLayout(layout, { "1": pushed });
    const ref = `${regcache.host}/myorg/skopeo:1`;
    await expect(pushLayout(layout, "1", ref, { destCertDir: certDir, destCreds: READER })).rejects.toThrow(/denied|unauthorized|insufficient/i);
    await pushLayout(layout, "1", ref, { destCertDir: certDir, destCreds: WRITER });
    expect(sha256(Buffer.from(await inspectRaw(ref, { srcCertDir: certDir, srcCreds: READER })))).toBe(pushed.digests.manifest);
    await expect(inspectRaw(ref, { srcCertDir: certDir })).rejects.toThrow(/unauthorized|authentication required|denied/i);
    const out = join(work.path, "skopeo-pulled");
    await pullToLayout(ref, out, "1", { srcCertDir: certDir, srcCreds: READER });
    expect(sha256(Buffer.from(await inspectRaw(`${regcache.host}/myorg/skopeo:1`, { srcCertDir: certDir, srcCreds: WRITER })))).toBe(pushed.digests.manifest);
  });
});

test("no password appears in anything regcache wrote", () => {
  expectNoSecretInOutput(regcache, [WRITER.password, READER.password]);
});
