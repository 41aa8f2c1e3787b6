// The Squid kit as a site runs it, for the e2e tests: Debian's squid-openssl with the
// config that `regcache squid config` generates, the store-id helper and ICAP service
// it names, curl as the client, all inside a network namespace of the test's own
// (netns.ts), and the stand-in CDN (standin-cdn.ts) behind a relay on 192.0.2.10:443.
//
// Only the test adds routing, appended to the generated file: a hosts_file that points
// the CDN hosts (and quay.io) at 192.0.2.10, and trust in the stand-in's CA. The helper,
// which Squid starts outside this test, gets the two test hooks through Squid's
// environment: REGCACHE_SQUID_PROBE_CONNECT (probe the stand-in) and
// REGCACHE_SQUID_PROBE_CA (trust its CA). See src/cli/squid.ts.
import { createHash } from "node:crypto";
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { regcacheCommand } from "./command.ts";
import { type Netns, createNetns, waitForPortIn } from "./netns.ts";
import { makeCdnPki } from "./pki.ts";
import { type Proc, run, startProcess, startSquid, waitForOutput } from "./processes.ts";
import { StandInCdn } from "./standin-cdn.ts";

/** The CDN hosts of the config; cdn09 is one too, but the stand-in's certificate does not name it. */
export const HOSTS = ["cdn.quay.io", "cdn01.quay.io", "cdn02.quay.io", "cdn03.quay.io"];
export const UNTRUSTED_HOST = "cdn09.quay.io";
/** A registry host that is not a CDN host: its TLS must be tunnelled untouched. */
export const REGISTRY_HOST = "quay.io";

// Inside the namespace: every port is ours, so fixed ones do.
const CDN_ADDRESS = "192.0.2.10";
const PROXY_PORT = 3128;
const ICAP_PORT = 1344;

export interface Fetched {
  status?: number;
  xcache?: string;
  /** Squid's X-Squid-Error, e.g. ERR_ACCESS_DENIED, when Squid answered itself. */
  squidError?: string;
  sha256: string;
  /** curl's exit code: 0, or e.g. 35 for a TLS failure. */
  curlExit: number;
}

export interface Kit {
  dir: string;
  cdn: StandInCdn;
  /** GET through the proxy with curl, sending Authorization and X-Forwarded-For. */
  get(url: string, opts?: { authorization?: string; cacert?: string }): Promise<Fetched>;
  log(name: "access.log" | "cache.log" | "store.log"): string;
  /**
   * The log once a line matches: Squid writes an access.log line when a transaction
   * ends, which may be just after curl has exited. Throws after timeoutMs.
   */
  logOnceMatching(name: "access.log" | "cache.log", line: RegExp, timeoutMs?: number): Promise<string>;
  /** cmd and args that run a command inside the test's namespace. */
  wrap: Netns["wrap"];
  /** Stops the ICAP service (by its pid); Squid keeps running. */
  stopIcap(): Promise<void>;
  stop(): Promise<void>;
}

export async function startKit(): Promise<Kit> {
  const cmd = regcacheCommand();
  const regcache = (args: string[]) => run(cmd[0]!, [...cmd.slice(1), ...args], { timeout: 60_000 });
  const dir = await mkdtemp(join(tmpdir(), "regcache-squid-e2e-"));
  const started: Proc[] = [];
  let ns: Netns | undefined;
  const pki = makeCdnPki(dir, [...HOSTS, REGISTRY_HOST]);
  const cdn = new StandInCdn(pki);
  const stop = async () => {
    for (const p of started.reverse()) await p.stop();
    await ns?.stop();
    await cdn.stop();
    if (process.env.KEEP_SQUID_TEST_DIR) console.log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const d of ["cache", "logs", "run"]) mkdirSync(join(dir, d));
    await cdn.start(join(dir, "cdn.sock"));
    ns = await createNetns(CDN_ADDRESS);
    const inNs = ns;

    const toml = join(dir, "regcache.toml");
    const q = JSON.stringify;
    writeFileSync(toml, `[squid]
listen = ${q(`127.0.0.1:${PROXY_PORT}`)}
clients = []
cdn_hosts = ${q([...HOSTS, UNTRUSTED_HOST])}
cache_dir = ${q(join(dir, "cache"))}
cache_size = "256MiB"
memory_cache = "16MiB"
ca_cert = ${q(join(dir, "bump-ca.pem"))}
ca_key = ${q(join(dir, "bump-ca.key"))}
ssl_db = ${q(join(dir, "ssl_db"))}
command = ${q(cmd.join(" "))}
store_id_children = 3
probe_timeout = "5s"
icap_listen = ${q(`127.0.0.1:${ICAP_PORT}`)}
log_dir = ${q(join(dir, "logs"))}
pid_file = ${q(join(dir, "run", "squid.pid"))}
visible_hostname = "regcache-squid-test"
`);

    // The bump CA and certificate database, by the script the kit prints for operators.
    await regcache(["squid", "config", "--ca", "--config", toml, "--out", join(dir, "ca.sh")]);
    await run("sh", [join(dir, "ca.sh")], { env: { ...process.env, SQUID_USER: "proxy" } });
    // Squid drops root for "proxy", which must reach everything in the test dir; and
    // `squid config` checks that it can, so this comes first.
    if (process.getuid?.() === 0) {
      await run("chown", ["-R", "proxy:proxy", dir]);
      chmodSync(dir, 0o755);
    }
    const conf = join(dir, "squid.conf");
    await regcache(["squid", "config", "--config", toml, "--out", conf]);
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

    // Squid reads this instead of /etc/hosts, so localhost is listed as there.
    writeFileSync(join(dir, "hosts"), `127.0.0.1 localhost\n${CDN_ADDRESS} ${[...HOSTS, UNTRUSTED_HOST, REGISTRY_HOST].join(" ")}\n`);
    appendFileSync(conf, `
## Test routing only: the CDN hosts are the stand-in at ${CDN_ADDRESS}:443, whose CA Squid trusts
hosts_file ${join(dir, "hosts")}
tls_outgoing_options cafile=${pki.caCert}
# The store log shows what Squid stored (SWAPOUT) and what it dropped.
cache_store_log stdio:${join(dir, "logs", "store.log")}
shutdown_lifetime 1 seconds
${process.env.SQUID_TEST_DEBUG ? `debug_options ${process.env.SQUID_TEST_DEBUG}` : ""}
`);

    const [rcmd, rargs] = inNs.wrap(process.execPath, [join(import.meta.dirname, "relay.ts"), CDN_ADDRESS, "443", join(dir, "cdn.sock")]);
    const relay = startProcess(rcmd, rargs);
    started.push(relay);
    await waitForOutput(relay, "listening");
    const [icmd, iargs] = inNs.wrap(cmd[0]!, [...cmd.slice(1), "squid", "icap", "--config", toml]);
    const icap = startProcess(icmd, iargs);
    started.push(icap);
    await waitForPortIn(inNs, ICAP_PORT, icap.output);
    const squid = await startSquid(inNs, conf, PROXY_PORT, {
      ...process.env,
      HOME: dir,
      REGCACHE_SQUID_PROBE_CONNECT: `${CDN_ADDRESS}:443`,
      REGCACHE_SQUID_PROBE_CA: pki.caCert,
    });
    started.push(squid);

    let fetches = 0;
    const get: Kit["get"] = async (url, opts = {}) => {
      const body = join(dir, `body-${fetches++}`);
      const [ccmd, cargs] = inNs.wrap("curl", [
        "-sS", "--max-time", "60", "--proxy", `http://127.0.0.1:${PROXY_PORT}`, "--cacert", opts.cacert ?? join(dir, "bump-ca.pem"),
        "-H", `Authorization: ${opts.authorization ?? "Bearer a"}`, "-H", "X-Forwarded-For: 10.9.9.9", "-D", "-", "-o", body, url,
      ]);
      const { stdout, code } = await run(ccmd, cargs).then(
        (r) => ({ stdout: r.stdout, code: 0 }),
        (e: { stdout?: string; code?: number }) => ({ stdout: e.stdout ?? "", code: e.code ?? -1 }),
      );
      const statuses = [...stdout.matchAll(/^HTTP\/[\d.]+ (\d{3})/gm)].map((m) => Number(m[1]));
      return {
        status: statuses.at(-1),
        xcache: /^X-Cache: (\S+)/im.exec(stdout)?.[1],
        squidError: /^X-Squid-Error: (\S+)/im.exec(stdout)?.[1],
        sha256: createHash("sha256").update(existsSync(body) ? readFileSync(body) : Buffer.alloc(0)).digest("hex"),
        curlExit: code,
      };
    };
    const log: Kit["log"] = (name) => (existsSync(join(dir, "logs", name)) ? readFileSync(join(dir, "logs", name), "utf8") : "");
    return {
      dir,
      cdn,
      get,
      log,
      logOnceMatching: async (name, line, timeoutMs = 30_000) => {
        const deadline = Date.now() + timeoutMs;
        while (!line.test(log(name))) {
          if (Date.now() > deadline) throw new Error(`no line matching ${line} in ${name} after ${timeoutMs} ms:\n${log(name)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        return log(name);
      },
      wrap: inNs.wrap,
      stopIcap: () => icap.stop(),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
