// Issue 12, TLS renewal: the certificate chain is served whole; a renewed pair (files
// replaced by rename, as certbot does) is served to the next connection after SIGHUP, and
// also when only the files change; a pull in flight meanwhile completes with the right
// bytes on the old connection; a renewal that is not a valid pair is refused with a log
// line and the old certificate stays. Against the compiled binary, checked with openssl.
import { X509Certificate } from "node:crypto";
import { copyFileSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeImage, type GeneratedImage } from "../../helpers/oci-image.ts";
import { runCommand } from "../../helpers/processes.ts";
import { fetchTrusting, fingerprintOf, makeTestCa, presentedCertificates, presentedFingerprint, type ServerCertificate, type TestCa } from "../../helpers/test-ca.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { seed, upstreamToml } from "../pull-through/setup.ts";
import { readFirstChunk } from "../oci-http.ts";
import { BINARY, startRegcache, type LogLine, type RegcacheProcess } from "../regcache-process.ts";

let work: TempDir;
let ca: TestCa;
let upstream: UpstreamRegistry;
let image: GeneratedImage;

beforeAll(async () => {
  work = makeTempDir();
  ca = await makeTestCa(join(work.path, "ca"));
  upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
  // Big enough that its transfer is still open while the certificate changes.
  image = makeImage({ layers: 1, layerSize: 48 * 1024 * 1024 });
  await seed(upstream, work.path, "app/web", { v1: image });
});

afterAll(async () => {
  await upstream?.stop();
  work?.remove();
});

/** The configured files, which every renewal replaces by rename (a new inode). */
function installedFiles(name: string) {
  return { cert: join(work.path, `${name}-live.crt`), key: join(work.path, `${name}-live.key`) };
}

function install(files: { cert: string; key: string }, from: { chainFile: string; keyFile: string }) {
  copyFileSync(from.chainFile, `${files.cert}.new`);
  copyFileSync(from.keyFile, `${files.key}.new`);
  renameSync(`${files.key}.new`, files.key);
  renameSync(`${files.cert}.new`, files.cert);
}

/** Waits for the `nth` (0-based, over the whole run) log line whose msg starts with `msg`. */
async function nthLog(regcache: RegcacheProcess, msg: string, nth: number): Promise<LogLine> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = regcache.logs().filter((l) => l.msg.startsWith(msg));
    if (found.length > nth) return found[nth]!;
    if (Date.now() > deadline) throw new Error(`no ${nth + 1}. "${msg}" log line within 20 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const count = (regcache: RegcacheProcess, msg: string) => regcache.logs().filter((l) => l.msg.startsWith(msg)).length;

/** Starts the cold layer's download and reads its first chunk only: a pull in flight. */
async function startSlowPull(regcache: RegcacheProcess) {
  const layer = image.layers[0]!;
  const response = await fetchTrusting(ca.rootPem)(`${regcache.url}/v2/up/app/web/blobs/${layer.descriptor.digest}`);
  expect(response.status).toBe(200);
  return readFirstChunk(response);
}

async function startWith(name: string, first: ServerCertificate, watchInterval: string) {
  const files = installedFiles(name);
  install(files, first);
  const regcache = await startRegcache({
    tls: { ...files, caPem: ca.rootPem },
    serverToml: `tls_watch_interval = "${watchInterval}"`,
    extraToml: upstreamToml({ name: "up", url: upstream.url, ttl: "1h" }) + `[prefetch]\ncomplete_on_pull = false\n`,
  });
  return { regcache, files };
}

describe("SIGHUP (file watching off)", () => {
  let regcache: RegcacheProcess;
  let files: { cert: string; key: string };
  let a: ServerCertificate;
  let b: ServerCertificate;

  beforeAll(async () => {
    // b expires a day later than a, so that /metrics can tell them apart.
    [a, b] = [await ca.issue("hup-a"), await ca.issue("hup-b", 3)];
    ({ regcache, files } = await startWith("hup", a, "0s"));
  });
  afterAll(() => regcache?.dispose());

  test("the whole chain is served: the leaf, then the intermediate that issued it", async () => {
    const presented = await presentedCertificates(regcache.port);
    expect(presented).toHaveLength(2);
    expect(fingerprintOf(presented[0]!)).toBe(a.fingerprint);
    expect(presented[1]).toContain("-----BEGIN CERTIFICATE-----");
    const loaded = regcache.logs().find((l) => l.msg === "tls certificate loaded");
    expect(loaded).toMatchObject({ fingerprint_sha256: a.fingerprint, chain: 2, cert: files.cert });
    expect(regcache.logs().find((l) => l.msg === "regcache started")?.scheme).toBe("https");
  });

  test("a second server on the same port is refused (address in use), although the listener allows port sharing for renewals", async () => {
    const second = await runCommand(BINARY, ["serve", "--config", regcache.configPath], { allowFailure: true, timeoutMs: 30_000, env: { REGCACHE_CONFIG: undefined } });
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`regcache: cannot listen on 127.0.0.1:${regcache.port}: EADDRINUSE\n`);
  });

  test("renewed files + SIGHUP: the next connection gets the new certificate; a pull in flight completes intact", async () => {
    const pull = await startSlowPull(regcache);
    install(files, b);
    process.kill(regcache.process().pid, "SIGHUP");
    const reloaded = await nthLog(regcache, "tls certificate reloaded", 0);
    expect(reloaded).toMatchObject({ trigger: "SIGHUP", fingerprint_sha256: b.fingerprint });
    expect(await presentedFingerprint(regcache.port)).toBe(b.fingerprint);
    // Clients that trust the CA keep working on the new certificate; /metrics says when it expires.
    expect((await fetchTrusting(ca.rootPem)(`${regcache.url}/v2/`)).status).toBe(200);
    const metrics = await (await fetchTrusting(ca.rootPem)(`${regcache.url}/metrics`)).text();
    expect(metrics).toContain(`regcache_tls_certificate_expiry_seconds ${Date.parse(new X509Certificate(readFileSync(b.chainFile)).validTo) / 1000}\n`);
    const layer = image.layers[0]!;
    expect(await pull.finish()).toEqual({ digest: layer.descriptor.digest, size: layer.bytes.length });
  });

  test("a renewal whose key does not match is refused with the file named; the old certificate stays", async () => {
    const c = await ca.issue("hup-c");
    const refusedBefore = count(regcache, "config reload refused");
    install(files, { chainFile: c.chainFile, keyFile: a.keyFile });
    process.kill(regcache.process().pid, "SIGHUP");
    const refused = await nthLog(regcache, "config reload refused", refusedBefore);
    expect(String(refused.error)).toBe(`regcache.toml: server.tls_key: ${files.key} does not match the certificate in ${files.cert}`);
    expect(await presentedFingerprint(regcache.port)).toBe(b.fingerprint);
  });

  test("a reload that turns HTTPS off is refused: it needs a restart", async () => {
    const refusedBefore = count(regcache, "config reload refused");
    const original = readFileSync(regcache.configPath, "utf8");
    writeFileSync(regcache.configPath, original.replace(/^tls_(cert|key) = .*$/gm, ""));
    try {
      process.kill(regcache.process().pid, "SIGHUP");
      const refused = await nthLog(regcache, "config reload refused", refusedBefore);
      expect(String(refused.error)).toBe("regcache.toml: server.tls_cert: turning HTTPS off needs a restart; the running server keeps HTTPS");
    } finally {
      writeFileSync(regcache.configPath, original);
    }
    expect(await presentedFingerprint(regcache.port)).toBe(b.fingerprint);
  });

  test("garbage in the certificate file is refused the same way", async () => {
    const refusedBefore = count(regcache, "config reload refused");
    writeFileSync(`${files.cert}.new`, "not a certificate\n");
    renameSync(`${files.cert}.new`, files.cert);
    process.kill(regcache.process().pid, "SIGHUP");
    const refused = await nthLog(regcache, "config reload refused", refusedBefore);
    expect(String(refused.error)).toMatch(/server\.tls_cert: .* holds no PEM certificate/);
    expect(await presentedFingerprint(regcache.port)).toBe(b.fingerprint);
    expect(count(regcache, "tls certificate reloaded")).toBe(1);
  });
});

describe("file change, no SIGHUP", () => {
  let regcache: RegcacheProcess;
  let files: { cert: string; key: string };
  let a: ServerCertificate;
  let b: ServerCertificate;

  beforeAll(async () => {
    [a, b] = [await ca.issue("watch-a"), await ca.issue("watch-b")];
    ({ regcache, files } = await startWith("watch", a, "200ms"));
  });
  afterAll(() => regcache?.dispose());

  test("renewed files are noticed: the next connection gets the new certificate; a pull in flight completes intact", async () => {
    expect(await presentedFingerprint(regcache.port)).toBe(a.fingerprint);
    const pull = await startSlowPull(regcache);
    install(files, b);
    const reloaded = await nthLog(regcache, "tls certificate reloaded", 0);
    expect(reloaded).toMatchObject({ trigger: "file change", fingerprint_sha256: b.fingerprint });
    expect(await presentedFingerprint(regcache.port)).toBe(b.fingerprint);
    const layer = image.layers[0]!;
    expect(await pull.finish()).toEqual({ digest: layer.descriptor.digest, size: layer.bytes.length });
  });

  test("an invalid renewal is refused with one log line; the old certificate stays; a valid one later is taken", async () => {
    install(files, { chainFile: a.chainFile, keyFile: b.keyFile });
    const refused = await nthLog(regcache, "tls certificate reload refused", 0);
    expect(refused).toMatchObject({ level: "error", trigger: "file change", fingerprint_sha256: b.fingerprint });
    expect(String(refused.error)).toBe(`server.tls_key: ${files.key} does not match the certificate in ${files.cert}`);
    expect(await presentedFingerprint(regcache.port)).toBe(b.fingerprint);

    const c = await ca.issue("watch-c");
    install(files, c);
    await nthLog(regcache, "tls certificate reloaded", 1);
    expect(await presentedFingerprint(regcache.port)).toBe(c.fingerprint);
    // The bad pair was reported once, not at every poll.
    expect(count(regcache, "tls certificate reload refused")).toBe(1);
  });
});

test("without tls_cert and tls_key: plain HTTP, and one warning line at start saying so", async () => {
  const regcache = await startRegcache({});
  try {
    expect((await fetch(`${regcache.url}/v2/`)).status).toBe(200);
    const warnings = regcache.logs().filter((l) => l.level === "warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/^serving plain HTTP: .*server\.tls_cert and server\.tls_key/);
    expect(regcache.logs().find((l) => l.msg === "regcache started")?.scheme).toBe("http");
  } finally {
    await regcache.dispose();
  }
});
