// Issue 12, TLS with real clients: regcache serves HTTPS with a certificate from a CA made
// in this test, and podman (a certs.d directory of its own), skopeo (--src/--dest-cert-dir)
// and containerd's ctr (--tlscacert) pull and push through it, verifying the certificate
// (never --tls-verify=false). Without the CA they refuse it. regcache's own CLI reaches the
// admin API over HTTPS, and the status page and /metrics answer over HTTPS.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPodman, inspectRaw, pullToLayout, pushLayout } from "../../helpers/clients.ts";
import { startContainerd } from "../../helpers/containerd.ts";
import { makeImage, writeOciLayout, type GeneratedImage } from "../../helpers/oci-image.ts";
import { runCommand } from "../../helpers/processes.ts";
import { fetchTrusting, makeTestCa, type ServerCertificate, type TestCa } from "../../helpers/test-ca.ts";
import { makeTempDir, useTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { seed, upstreamToml } from "../pull-through/setup.ts";
import { sha256 } from "../oci-http.ts";
import { BINARY, startRegcache, type RegcacheProcess } from "../regcache-process.ts";

let work: TempDir;
let ca: TestCa;
let served: ServerCertificate;
let upstream: UpstreamRegistry;
let regcache: RegcacheProcess;
let image: GeneratedImage;
/** A certs.d directory for regcache's host:port, holding the test CA as ca.crt (what podman and skopeo read). */
let certDir: string;

beforeAll(async () => {
  work = makeTempDir();
  ca = await makeTestCa(join(work.path, "ca"));
  served = await ca.issue("server");
  upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
  image = makeImage({ layers: 2 });
  await seed(upstream, work.path, "app/web", { v1: image });
  regcache = await startRegcache({
    tls: { cert: served.chainFile, key: served.keyFile, caPem: ca.rootPem },
    extraToml: upstreamToml({ name: "up", url: upstream.url }) + `[prefetch]\ncomplete_on_pull = false\n`,
  });
  certDir = ca.certDir(join(work.path, "certs.d", regcache.host));
});

afterAll(async () => {
  await regcache?.dispose();
  await upstream?.stop();
  work?.remove();
});

describe("podman", () => {
  test("pulls through regcache over HTTPS, trusting the CA from its certs.d directory", async () => {
    const podman = createPodman({ dir: useTempDir(), certDir });
    const ref = `${regcache.host}/up/app/web:v1`;
    await podman.pull(ref);
    expect(await podman.imageDigest(ref)).toBe(image.digests.manifest);
  });

  test("pushes to a local repository over HTTPS, and pulls it back", async () => {
    const podman = createPodman({ dir: useTempDir(), certDir });
    await podman.pull(`${regcache.host}/up/app/web:v1`);
    await podman.push(`${regcache.host}/up/app/web:v1`, `${regcache.host}/myorg/pushed:1`);
    const fresh = createPodman({ dir: useTempDir(), certDir });
    await fresh.pull(`${regcache.host}/myorg/pushed:1`);
    const [inspected] = await fresh.inspect(`${regcache.host}/myorg/pushed:1`);
    expect(`sha256:${inspected!.Id}`).toBe(image.digests.config);
  });

  test("refuses regcache without the CA: the certificate is really verified", async () => {
    const podman = createPodman({ dir: useTempDir() });
    const result = await podman.run(["pull", "--tls-verify=true", `${regcache.host}/up/app/web:v1`], { allowFailure: true });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/x509: certificate signed by unknown authority/);
  });
});

describe("skopeo", () => {
  test("pushes an image with --dest-cert-dir and copies it back with --src-cert-dir; every blob matches", async () => {
    const pushed = makeImage({ layers: 2 });
    const layout = join(work.path, "skopeo-layout");
    await writeOciLayout(layout, { "1": pushed });
    const ref = `${regcache.host}/myorg/skopeo:1`;
    await pushLayout(layout, "1", ref, { destCertDir: certDir });
    expect(sha256(Buffer.from(await inspectRaw(ref, { srcCertDir: certDir })))).toBe(pushed.digests.manifest);
    const out = join(work.path, "skopeo-pulled");
    await pullToLayout(ref, out, "1", { srcCertDir: certDir });
    for (const digest of [pushed.digests.manifest, pushed.digests.config, ...pushed.digests.layers]) {
      expect(sha256(readFileSync(join(out, "blobs", "sha256", digest.slice(7))))).toBe(digest);
    }
  });

  test("refuses regcache without the CA", async () => {
    const result = await runCommand("skopeo", ["--insecure-policy", "inspect", "--raw", "--retry-times=0", "--no-creds", `docker://${regcache.host}/up/app/web:v1`], { allowFailure: true });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/certificate signed by unknown authority/);
  });
});

/** A hosts dir for ctr naming regcache as an https:// host, with `ca` trusted when given. */
function hostsDir(name: string, ca?: string): string {
  const dir = join(work.path, name, regcache.host);
  mkdirSync(dir, { recursive: true });
  const origin = `https://${regcache.host}`;
  writeFileSync(join(dir, "hosts.toml"), [`server = "${origin}"`, "", `[host."${origin}"]`, '  capabilities = ["pull", "resolve"]', ...(ca ? [`  ca = "${ca}"`] : []), ""].join("\n"));
  return join(work.path, name);
}

test("containerd's ctr fetches through regcache over HTTPS, the CA named in its hosts.toml", async () => {
  const containerd = await startContainerd();
  try {
    const ref = `${regcache.host}/up/app/web:v1`;
    // containerd takes 127.0.0.1 for plain HTTP unless a hosts.toml says https (--tlscacert alone is not enough).
    await containerd.ctr(["content", "fetch", "--hosts-dir", hostsDir("hosts-ca", ca.rootFile), "--all-platforms", ref]);
    expect(await containerd.ctr(["images", "ls", "-q"])).toContain(ref);
    await expect(containerd.ctr(["content", "fetch", "--hosts-dir", hostsDir("hosts-no-ca"), "--all-platforms", ref])).rejects.toThrow(/certificate signed by unknown authority/);
  } finally {
    await containerd.stop();
  }
});

describe("regcache's own CLI and pages over HTTPS", () => {
  const policyList = (env: Record<string, string | undefined>, config = regcache.configPath) =>
    runCommand(BINARY, ["policy", "list", "--config", config], { env: { REGCACHE_CONFIG: undefined, REGCACHE_SERVER: undefined, REGCACHE_SERVER_CA: undefined, ...env }, allowFailure: true });

  test("a command reaches the admin API at https://, trusting the configured chain and the private root from $REGCACHE_SERVER_CA", async () => {
    const result = await policyList({ REGCACHE_SERVER_CA: ca.rootFile });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("no immutability policies");
  });

  test("without the private root it fails in one line that says how to trust it", async () => {
    const result = await policyList({});
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/cannot reach regcache at https:\/\/127\.0\.0\.1:\d+: .*; trust its issuer with \$REGCACHE_SERVER_CA=FILE/);
  });

  test("a server presenting another certificate of the same CA is refused: the configured leaf is pinned", async () => {
    const other = await ca.issue("not-the-server");
    const config = join(work.path, "other-cert.toml");
    writeFileSync(config, readFileSync(regcache.configPath, "utf8").replace(`tls_cert = ${JSON.stringify(served.chainFile)}`, `tls_cert = ${JSON.stringify(other.chainFile)}`));
    const result = await policyList({ REGCACHE_SERVER_CA: ca.rootFile }, config);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is not the configured server\.tls_cert .*; is --config the running server's config\?\n$/);
  });

  test("the status page and /metrics answer over HTTPS", async () => {
    const trusted = fetchTrusting(ca.rootPem);
    const page = await trusted(`${regcache.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const metrics = await trusted(`${regcache.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("regcache_");
  });
});

test("a self-signed certificate for another name: the CLI trusts it from the config alone, dialing 127.0.0.1", async () => {
  const dir = join(work.path, "self-signed");
  mkdirSync(dir, { recursive: true });
  const [cert, key] = [join(dir, "cert.pem"), join(dir, "key.pem")];
  await runCommand("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=regcache.example", "-addext", "subjectAltName=DNS:regcache.example"]);
  const self = await startRegcache({ tls: { cert, key, caPem: readFileSync(cert, "utf8"), serverName: "regcache.example" } });
  try {
    const result = await runCommand(BINARY, ["policy", "list", "--config", self.configPath], { env: { REGCACHE_CONFIG: undefined, REGCACHE_SERVER: undefined, REGCACHE_SERVER_CA: undefined }, allowFailure: true });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  } finally {
    await self.dispose();
  }
});
