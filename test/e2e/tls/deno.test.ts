// Issue 12, TLS under Deno: the same source serves HTTPS through Deno.serve (which offers
// HTTP/2 by ALPN), skopeo pushes and pulls over it with the test CA, and a renewed
// certificate (SIGHUP) is served to the next connection while a blob in flight completes.
// Deno needs --unstable-net for the second listener (reusePort); without it start fails
// saying so.
import { copyFileSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { inspectRaw, pullToLayout, pushLayout } from "../../helpers/clients.ts";
import { makeImage, writeOciLayout, type GeneratedImage } from "../../helpers/oci-image.ts";
import { freePort } from "../../helpers/ports.ts";
import { runCommand } from "../../helpers/processes.ts";
import { fetchTrusting, makeTestCa, presentedFingerprint, type ServerCertificate, type TestCa } from "../../helpers/test-ca.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { readFirstChunk, sha256 } from "../oci-http.ts";
import { DENO, REPO_ROOT, startRegcache, type RegcacheProcess } from "../regcache-process.ts";

describe("HTTPS under Deno", () => {
  let work: TempDir;
  let ca: TestCa;
  let a: ServerCertificate;
  let regcache: RegcacheProcess;
  let image: GeneratedImage;
  let certDir: string;
  const live = () => ({ cert: join(work.path, "live.crt"), key: join(work.path, "live.key") });
  const install = (from: ServerCertificate) => {
    copyFileSync(from.chainFile, `${live().cert}.new`);
    copyFileSync(from.keyFile, `${live().key}.new`);
    renameSync(`${live().key}.new`, live().key);
    renameSync(`${live().cert}.new`, live().cert);
  };

  beforeAll(async () => {
    work = makeTempDir();
    ca = await makeTestCa(join(work.path, "ca"));
    a = await ca.issue("a");
    install(a);
    regcache = await startRegcache({ runtime: "deno", startTimeoutMs: 60_000, tls: { ...live(), caPem: ca.rootPem }, serverToml: 'tls_watch_interval = "0s"' });
    certDir = ca.certDir(join(work.path, "certs.d"));
    image = makeImage({ layers: 1, layerSize: 32 * 1024 * 1024 });
    await writeOciLayout(join(work.path, "layout"), { "1": image });
    await pushLayout(join(work.path, "layout"), "1", `${regcache.host}/myorg/app:1`, { destCertDir: certDir });
  });

  afterAll(async () => {
    await regcache?.dispose();
    work?.remove();
  });

  test("it is Deno that answers, over HTTPS, and it offers HTTP/2", async () => {
    expect(regcache.logs().find((l) => l.msg === "regcache started")).toMatchObject({ scheme: "https", runtime: expect.stringMatching(/^deno /) });
    const { stdout } = await runCommand("curl", ["-sS", "--cacert", ca.rootFile, "-o", "/dev/null", "-w", "%{http_version}", `${regcache.url}/v2/`]);
    expect(stdout).toBe("2");
    expect(await presentedFingerprint(regcache.port)).toBe(a.fingerprint);
  });

  test("skopeo pushed with --dest-cert-dir and copies back with --src-cert-dir; every blob matches", async () => {
    const ref = `${regcache.host}/myorg/app:1`;
    expect(sha256(Buffer.from(await inspectRaw(ref, { srcCertDir: certDir })))).toBe(image.digests.manifest);
    const out = join(work.path, "pulled");
    await pullToLayout(ref, out, "1", { srcCertDir: certDir });
    for (const digest of [image.digests.config, ...image.digests.layers]) {
      expect(sha256(readFileSync(join(out, "blobs", "sha256", digest.slice(7))))).toBe(digest);
    }
  });

  test("renewed files + SIGHUP: the next connection gets the new certificate; a blob in flight completes intact", async () => {
    const layer = image.layers[0]!;
    const response = await fetchTrusting(ca.rootPem)(`${regcache.url}/v2/myorg/app/blobs/${layer.descriptor.digest}`);
    const inFlight = await readFirstChunk(response);

    const b = await ca.issue("b");
    install(b);
    process.kill(regcache.process().pid, "SIGHUP");
    await regcache.waitForLog("tls certificate reloaded", 20_000);
    expect(await presentedFingerprint(regcache.port)).toBe(b.fingerprint);

    expect(await inFlight.finish()).toEqual({ digest: layer.descriptor.digest, size: layer.bytes.length });
  });

  test("regcache's CLI under Deno reaches the admin API over HTTPS, trusting the configured chain", async () => {
    const cli = (env: Record<string, string>) =>
      runCommand(DENO, ["run", "-A", join(REPO_ROOT, "src/main/deno.ts"), "policy", "list", "--config", regcache.configPath], { allowFailure: true, timeoutMs: 60_000, env: { REGCACHE_CONFIG: undefined, REGCACHE_SERVER_CA: undefined, NO_COLOR: "1", ...env } });
    // rustls takes the intermediate in tls_cert as the anchor: no root needed.
    const result = await cli({});
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("no immutability policies");
  });

  test("over HTTP/2 the admin API judges the :authority as it judges Host: loopback answered, another name refused", async () => {
    const status = (extra: string[]) =>
      runCommand("curl", ["-sS", "--http2", "--cacert", ca.rootFile, "-o", "/dev/null", "-w", "%{http_version} %{http_code}", ...extra, `${regcache.url}/api/v1/immutabilitypolicy/`]).then((r) => r.stdout);
    expect(await status([])).toBe("2 200");
    // curl sends a Host header as HTTP/2's :authority; a DNS-rebinding page's name is refused.
    expect(await status(["-H", "Host: evil.example"])).toBe("2 403");
  });

  test("without --unstable-net, HTTPS start fails with a line that names the flag", async () => {
    // The same config on a free port (the running instance holds its own).
    const config = join(work.path, "other-port.toml");
    writeFileSync(config, readFileSync(regcache.configPath, "utf8").replace(`listen = "${regcache.host}"`, `listen = "127.0.0.1:${await freePort()}"`));
    const result = await runCommand(DENO, ["run", "-A", join(REPO_ROOT, "src/main/deno.ts"), "serve", "--config", config], { allowFailure: true, timeoutMs: 60_000, env: { REGCACHE_CONFIG: undefined, NO_COLOR: "1" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("regcache: HTTPS under Deno needs the --unstable-net flag: a renewed certificate is served by a second listener on the same port (SO_REUSEPORT)\n");
  });
});
