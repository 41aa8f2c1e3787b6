// Authentication figures (issue 12, item 5), one run:
//   1. in process: the cost of issuing a token, verifying one (first time, and from the
//      verified-token cache), a /token request with Basic credentials (bcrypt, then the
//      remembered check), and bcrypt itself at htpasswd -B's default cost;
//   2. warm manifest GETs/s (wrk -c32 -t2) through two regcache binaries side by side over
//      the same upstream, one without [auth], one with it (a Bearer token on every request,
//      as a client sends it); target: auth on within 15% of auth off. Trials alternate
//      the order; medians are reported.
// Run: npm run build && bun bench/auth.ts [--trials 3] [--seconds 8]
// Every process started here is stopped by pid at the end, also when a step fails.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import bcrypt from "bcryptjs";
import { createAuth } from "../src/auth/service.ts";
import { loadOrCreateTokenKey } from "../src/auth/token-key.ts";
import { createTokenService } from "../src/auth/tokens.ts";
import { startRegcache, type RegcacheProcess } from "../test/e2e/regcache-process.ts";
import { writeHtpasswdFile as writeHtpasswd } from "../test/helpers/htpasswd.ts";
import { pushLayout } from "../test/helpers/skopeo.ts";
import { makeImage, writeOciLayout } from "../test/helpers/oci-image.ts";
import { makeTempDir } from "../test/helpers/temp-dirs.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../test/helpers/upstream-registry.ts";
import { MANIFEST_ACCEPT } from "./manifest-rps.ts";
import { runWrk } from "./wrk.ts";

const { values } = parseArgs({ options: { trials: { type: "string", default: "3" }, seconds: { type: "string", default: "8" } } });
const TRIALS = Number(values.trials);
const SECONDS = Number(values.seconds);
const log = (msg: string) => console.error(`[bench auth] ${msg}`);
const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function perCall(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(200, n); i++) await fn(i); // warm-up
  const started = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  return (performance.now() - started) / n;
}

async function inProcess(): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), "regcache-bench-auth-"));
  try {
    const key = await loadOrCreateTokenKey(dir);
    const tokens = createTokenService(key, 300_000);
    const access = [{ type: "repository" as const, name: "up/bench/app", actions: ["pull"] }];
    const issue = await perCall(5_000, () => tokens.issue({ user: "alice" }, access));
    const fresh = await Promise.all(Array.from({ length: 3_000 }, () => tokens.issue({ user: "alice" }, access)));
    const verifyFirst = await perCall(2_800, (i) => tokens.verify(fresh[i + 200]!.token));
    const one = fresh[0]!.token;
    const verifyCached = await perCall(100_000, () => tokens.verify(one));

    const hash5 = bcrypt.hashSync("pw", 5); // htpasswd -B's default cost
    const hash10 = bcrypt.hashSync("pw", 10);
    const bcrypt5 = await perCall(20, () => bcrypt.compare("pw", hash5));
    const bcrypt10 = await perCall(10, () => bcrypt.compare("pw", hash10));

    const auth = createAuth({
      resolved: {
        config: { htpasswd: "", realm: "", token_ttl: 300_000, groups: {}, admin_users: [], admin_groups: [] },
        users: new Map([["alice", hash5]]),
        access: [{ repository: "**", users: ["alice"], groups: [], anonymous: false, actions: ["pull", "push"] }],
      },
      key,
      canonical: (n) => n,
    });
    const basic = `Basic ${Buffer.from("alice:pw").toString("base64")}`;
    const endpoint = await perCall(3_000, () => auth.tokenEndpoint(new Request("http://r.test/token?service=regcache&scope=repository:up/bench/app:pull", { headers: { authorization: basic } })));
    return {
      "token issue (ES256 sign)": us(issue),
      "token verify, first time (ES256)": us(verifyFirst),
      "token verify, cached": us(verifyCached),
      "GET /token with Basic (bcrypt remembered)": us(endpoint),
      "bcrypt compare, cost 5 (htpasswd -B default; first /token per minute)": us(bcrypt5),
      "bcrypt compare, cost 10": us(bcrypt10),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function rps(regcache: RegcacheProcess, headers: Record<string, string>): Promise<number> {
  const url = `${regcache.url}/v2/up/bench/app/manifests/v1`;
  const probe = await fetch(url, { headers: { accept: MANIFEST_ACCEPT, ...headers } });
  await probe.body?.cancel();
  if (probe.status !== 200) throw new Error(`${url} answered ${probe.status}`);
  const result = await runWrk(url, { connections: 32, threads: 2, seconds: SECONDS, headers: { Accept: MANIFEST_ACCEPT, ...headers } });
  if (result.errors > 0) throw new Error(`${url}: ${result.errors} errors under wrk`);
  return result.requestsPerSecond;
}

async function main() {
  log("in process");
  const costs = await inProcess();

  const work = makeTempDir("regcache-bench-auth-");
  let upstream: UpstreamRegistry | undefined;
  const started: RegcacheProcess[] = [];
  try {
    upstream = await startUpstreamRegistry();
    const layout = join(work.path, "layout");
    await writeOciLayout(layout, { v1: makeImage({ layers: 2, layerSize: 64 * 1024 }) });
    await pushLayout(layout, "v1", `${upstream.host}/bench/app:v1`);
    const htpasswd = join(work.path, "htpasswd");
    await writeHtpasswd(htpasswd, [{ username: "alice", password: "alice-bench-pw" }]);
    const upstreamToml = `[[upstream]]\nname = "up"\nurl = "${upstream.url}"\ninsecure = true\n[prefetch]\ncomplete_on_pull = false\n`;
    const off = await startRegcache({ extraToml: upstreamToml });
    started.push(off);
    const on = await startRegcache({ extraToml: `${upstreamToml}[auth]\nhtpasswd = ${JSON.stringify(htpasswd)}\n[[access]]\nrepository = "up/**"\nusers = ["alice"]\nactions = ["pull"]\n` });
    started.push(on);
    const r = await fetch(`${on.url}/token?service=regcache&scope=repository:up/bench/app:pull`, { headers: { authorization: `Basic ${Buffer.from("alice:alice-bench-pw").toString("base64")}` } });
    const token = ((await r.json()) as { token: string }).token;
    const bearer = { Authorization: `Bearer ${token}` };

    const figures = { off: [] as number[], on: [] as number[] };
    for (let t = 0; t < TRIALS; t++) {
      const order: ("off" | "on")[] = t % 2 === 0 ? ["off", "on"] : ["on", "off"];
      for (const mode of order) {
        const value = mode === "off" ? await rps(off, {}) : await rps(on, bearer);
        figures[mode].push(value);
        log(`trial ${t + 1}, auth ${mode}: ${value.toFixed(0)} GETs/s`);
      }
    }
    const offRps = median(figures.off);
    const onRps = median(figures.on);
    const ratio = onRps / offRps;
    console.log(`\n## Auth (issue 12, item 5) — ${new Date().toISOString()}, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
    console.log("| figure | value |\n|---|---|");
    for (const [name, value] of Object.entries(costs)) console.log(`| ${name} | ${value} |`);
    console.log(`| warm manifest GETs/s, auth off (median of ${TRIALS}) | ${offRps.toFixed(0)} |`);
    console.log(`| warm manifest GETs/s, auth on, Bearer token (median of ${TRIALS}) | ${onRps.toFixed(0)} |`);
    console.log(`| auth on / off (target ≥ 0.85) | ${ratio.toFixed(3)} ${ratio >= 0.85 ? "PASS" : "FAIL"} |`);
  } finally {
    for (const r of started) await r.dispose().catch(() => {});
    await upstream?.stop();
    work.remove();
  }
}

await main();
