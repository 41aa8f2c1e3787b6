// The Squid kit end to end: Debian's squid-openssl on 127.0.0.1 with the config that
// `regcache squid config` generates, the store-id helper and ICAP server it names, a
// stand-in for quay.io's CDN over TLS, and curl as the client behind the proxy.
//
// Only the test adds routing: Squid sends the CDN hosts to the stand-in (a TLS
// originserver peer, a private hosts_file), and the helper, which Squid starts
// outside this test, gets the two test hooks through Squid's environment:
// REGCACHE_SQUID_PROBE_CONNECT (probe the stand-in) and REGCACHE_SQUID_PROBE_CA
// (trust its CA). See src/cli/squid.ts.
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { regcacheCommand } from "./command.ts";
import { makeCdnPki } from "./pki.ts";
import { type Proc, freePort, run, startProcess, startSquid, waitForPort } from "./processes.ts";
import { StandInCdn } from "./standin-cdn.ts";

const HOSTS = ["cdn.quay.io", "cdn01.quay.io", "cdn02.quay.io", "cdn03.quay.io"];

let dir: string;
let cdn: StandInCdn;
let squid: Proc | undefined;
let icap: Proc | undefined;
let proxyPort: number;
const cmd = regcacheCommand();
const regcache = (args: string[], env?: NodeJS.ProcessEnv) => run(cmd[0]!, [...cmd.slice(1), ...args], { env, timeout: 60_000 });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "regcache-squid-e2e-"));
  for (const d of ["cache", "logs", "run"]) mkdirSync(join(dir, d));
  const pki = makeCdnPki(dir, HOSTS);
  cdn = new StandInCdn(pki);
  const cdnPort = await cdn.start();
  proxyPort = await freePort();
  const icapPort = await freePort();

  const toml = join(dir, "regcache.toml");
  const q = JSON.stringify;
  writeFileSync(toml, `[squid]
listen = ${q(`127.0.0.1:${proxyPort}`)}
clients = []
cdn_hosts = ${q(HOSTS)}
cache_dir = ${q(join(dir, "cache"))}
cache_size = "256MiB"
memory_cache = "16MiB"
ca_cert = ${q(join(dir, "bump-ca.pem"))}
ca_key = ${q(join(dir, "bump-ca.key"))}
ssl_db = ${q(join(dir, "ssl_db"))}
command = ${q(cmd.join(" "))}
store_id_children = 3
probe_timeout = "5s"
icap_listen = ${q(`127.0.0.1:${icapPort}`)}
icap_bypass = false
log_dir = ${q(join(dir, "logs"))}
pid_file = ${q(join(dir, "run", "squid.pid"))}
visible_hostname = "regcache-squid-test"
`);

  // The bump CA and certificate database, by the script the kit prints for operators.
  await regcache(["squid", "config", "--ca", "--config", toml, "--out", join(dir, "ca.sh")]);
  await run("sh", [join(dir, "ca.sh")], { env: { ...process.env, SQUID_USER: "proxy" } });
  const conf = join(dir, "squid.conf");
  await regcache(["squid", "config", "--config", toml, "--out", conf]);
  // Squid drops root for "proxy", which must reach everything in the test dir.
  if (process.getuid?.() === 0) {
    await run("chown", ["-R", "proxy:proxy", dir]);
    chmodSync(dir, 0o755);
  }
  // The generated file as an operator would install it must pass Squid's own check.
  await run("squid", ["-k", "parse", "-f", conf], { timeout: 30_000 });

  // The snippet, included where Debian's own squid.conf includes conf.d, must pass too.
  if (existsSync("/etc/squid/squid.conf")) {
    const snippet = join(dir, "regcache-snippet.conf");
    await regcache(["squid", "config", "--snippet", "--config", toml, "--out", snippet]);
    const debian = readFileSync("/etc/squid/squid.conf", "utf8").replace(/^include \/etc\/squid\/conf\.d\/\*\.conf$/m, `include ${snippet}`);
    writeFileSync(join(dir, "debian-squid.conf"), debian);
    await run("squid", ["-k", "parse", "-f", join(dir, "debian-squid.conf")], { timeout: 30_000 });
  }

  writeFileSync(join(dir, "hosts"), `127.0.0.1 ${HOSTS.join(" ")}\n`);
  appendFileSync(conf, `
## Test routing only: the CDN hosts are the stand-in on 127.0.0.1:${cdnPort}
hosts_file ${join(dir, "hosts")}
cache_peer 127.0.0.1 parent ${cdnPort} 0 originserver no-query no-digest tls tls-cafile=${pki.caCert} tls-domain=cdn01.quay.io name=standin_cdn
cache_peer_access standin_cdn allow regcache_cdn_host
cache_peer_access standin_cdn deny all
never_direct allow regcache_cdn_host
shutdown_lifetime 1 seconds
${process.env.SQUID_TEST_DEBUG ? `debug_options ${process.env.SQUID_TEST_DEBUG}` : ""}
`);

  icap = startProcess(cmd[0]!, [...cmd.slice(1), "squid", "icap", "--config", toml]);
  await waitForPort(icapPort, icap);
  squid = await startSquid(conf, proxyPort, {
    ...process.env,
    HOME: dir,
    REGCACHE_SQUID_PROBE_CONNECT: `127.0.0.1:${cdnPort}`,
    REGCACHE_SQUID_PROBE_CA: pki.caCert,
  });
});

afterAll(async () => {
  await squid?.stop();
  await icap?.stop();
  await cdn?.stop();
  if (process.env.KEEP_SQUID_TEST_DIR) console.log(`kept ${dir}`);
  else if (dir) await rm(dir, { recursive: true, force: true });
});

let fetches = 0;
/** GET through the proxy with curl: status, X-Cache and the body's sha256. */
async function get(url: string, authorization: string) {
  const body = join(dir, `body-${fetches++}`);
  const { stdout } = await run("curl", [
    "-sS", "--max-time", "60", "--proxy", `http://127.0.0.1:${proxyPort}`, "--cacert", join(dir, "bump-ca.pem"),
    "-H", `Authorization: ${authorization}`, "-D", "-", "-o", body, url,
  ]);
  const statuses = [...stdout.matchAll(/^HTTP\/[\d.]+ (\d{3})/gm)].map((m) => Number(m[1]));
  return {
    status: statuses.at(-1),
    xcache: /^X-Cache: (\S+)/im.exec(stdout)?.[1],
    sha256: createHash("sha256").update(readFileSync(body)).digest("hex"),
  };
}

describe("Squid kit with real Squid", () => {
  it("MISS with signature A, then HIT with signature B, Bearer a/b never reach the CDN", async () => {
    const { path, digest } = cdn.addBlob(randomBytes(3 << 20));
    const first = await get(cdn.signedUrl("cdn01.quay.io", path, { nonce: "A" }), "Bearer a");
    expect(first).toEqual({ status: 200, xcache: "MISS", sha256: digest });
    const second = await get(cdn.signedUrl("cdn02.quay.io", path, { nonce: "B" }), "Bearer b");
    expect(second.status).toBe(200);
    expect(second.xcache).toBe("HIT");
    expect(second.sha256).toBe(digest);
    expect(cdn.fullBodyGets(path)).toBe(1);
    const log = readFileSync(join(dir, "logs", "access.log"), "utf8");
    expect(log).toMatch(new RegExp(`TCP_MISS/200 \\d+ GET https://cdn01\\.quay\\.io${path}`));
    expect(log).toMatch(new RegExp(`TCP_(MEM_)?HIT/200 \\d+ GET https://cdn02\\.quay\\.io${path}`));
  });

  it("keeps an answer marked private, and revalidates it (304) instead of downloading it again", async () => {
    // Squid 5 stores it (ignore-private) but flags it revalidate-always.
    const { path, digest } = cdn.addBlob(randomBytes(256 << 10), "private, max-age=600");
    expect(await get(cdn.signedUrl("cdn01.quay.io", path, { nonce: "A" }), "Bearer a")).toMatchObject({ status: 200, sha256: digest });
    expect(await get(cdn.signedUrl("cdn03.quay.io", path, { nonce: "B" }), "Bearer b")).toMatchObject({ status: 200, sha256: digest });
    expect(cdn.fullBodyGets(path)).toBe(1);
    expect(cdn.seen.filter((s) => s.path === path && s.status === 304)).toHaveLength(1);
  });

  it("answers a bad or expired signature 403 from the CDN, never from the cache", async () => {
    const { path } = cdn.addBlob(randomBytes(64 << 10));
    expect((await get(cdn.signedUrl("cdn01.quay.io", path, { nonce: "good" }), "Bearer a")).status).toBe(200);
    const forged = cdn.signedUrl("cdn01.quay.io", path, { nonce: "good" }).replace(/X-Amz-Signature=\w+/, "X-Amz-Signature=forged");
    const expired = cdn.signedUrl("cdn01.quay.io", path, { ageSeconds: 3600, validFor: 60 });
    for (const url of [forged, forged, expired]) {
      const r = await get(url, "Bearer evil");
      expect(r.status).toBe(403);
      expect(r.xcache).not.toBe("HIT");
    }
    const denied = cdn.seen.filter((s) => s.path === path && s.status === 403 && s.range === undefined);
    expect(denied.length).toBe(3); // each reached the CDN itself
    expect(cdn.fullBodyGets(path)).toBe(1);
  });

  it("8 parallel first requests for one blob: the CDN serves the full body once", async () => {
    const { path, digest } = cdn.addBlob(randomBytes(2 << 20));
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => get(cdn.signedUrl(HOSTS[i % 4]!, path, { nonce: `p${i}` }), `Bearer p${i}`)),
    );
    for (const r of results) expect(r).toMatchObject({ status: 200, sha256: digest });
    const full = cdn.fullBodyGets(path);
    console.log(`8 parallel requests: ${full} full-body fetch(es) at the CDN, ${cdn.seen.filter((s) => s.path === path && s.range).length} probes`);
    expect(full).toBeLessThanOrEqual(2);
  });

  it("the CDN never saw an Authorization header nor a HEAD", () => {
    expect(cdn.seen.length).toBeGreaterThan(0);
    expect(cdn.seen.filter((s) => s.authorization !== undefined)).toEqual([]);
    expect(cdn.seen.filter((s) => s.method !== "GET")).toEqual([]);
  });
});
