// `regcache squid config|store-id|icap`: argument parsing and wiring only; the
// work is in src/squid/. Exit codes: 0 ok, 1 user error (one line), 2 usage.
import { readFile, rename, writeFile } from "node:fs/promises";
import * as v from "valibot";
import { listenAddress } from "../config/fields.ts";
import type { SquidSettings } from "../config/squid.ts";
import { type HelperStartOptions, helperStartProblem } from "../squid/access/helper-start.ts";
import { renderCaScript } from "../squid/ca.ts";
import { compilePatterns } from "../squid/cdn.ts";
import { renderSquidConf } from "../squid/conf.ts";
import { createIcapServer } from "../squid/icap/server.ts";
import { runStoreIdHelper } from "../squid/storeid/helper.ts";
import { createProbe } from "../squid/storeid/probe.ts";

export interface SquidCliContext {
  squid: SquidSettings;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  /** The config file in use, if any: `squid config` hands it to the helper as --config. */
  configPath?: string;
  /** How `squid config` looks up Squid's user; default: this machine's. */
  lookupAccount?: HelperStartOptions["lookup"];
}

const USAGE = `usage: regcache squid config [--out FILE] [--snippet] [--ca]
       regcache squid store-id
       regcache squid icap [--listen 127.0.0.1:1344]
`;

class UsageError extends Error {}

// "--name value" pairs and bare flags; --config is the dispatcher's, accepted and skipped.
function parseFlags(args: string[], withValue: string[], bare: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    if (withValue.includes(name) || name === "--config") {
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      out.set(name, value);
    } else if (bare.includes(name) && inline === undefined) out.set(name, "");
    else throw new UsageError(`unknown argument ${JSON.stringify(args[i])}`);
  }
  return out;
}

export async function runSquid(args: string[], ctx: SquidCliContext): Promise<number> {
  const say = (stream: NodeJS.WritableStream, text: string) => stream.write(text);
  try {
    const [command, ...rest] = args;
    if (command === "config") return await configCommand(parseFlags(rest, ["--out"], ["--ca", "--snippet"]), ctx);
    if (command === "store-id") return await storeIdCommand(parseFlags(rest, [], []), ctx);
    if (command === "icap") return await icapCommand(parseFlags(rest, ["--listen"], []), ctx);
    throw new UsageError(command === undefined ? "missing sub-command" : `unknown sub-command ${JSON.stringify(command)}`);
  } catch (err) {
    if (err instanceof UsageError) {
      say(ctx.stderr, `regcache squid: ${err.message}\n${USAGE}`);
      return 2;
    }
    say(ctx.stderr, `regcache squid: ${(err as Error).message.split("\n")[0]}\n`);
    return 1;
  }
}

async function configCommand(flags: Map<string, string>, ctx: SquidCliContext): Promise<number> {
  const configPath = ctx.configPath ?? flags.get("--config");
  if (!flags.has("--ca")) {
    // A config whose helper cannot start makes Squid exit with a message that names neither.
    const problem = await helperStartProblem(ctx.squid, { configPath, lookup: ctx.lookupAccount });
    if (problem) throw new Error(problem);
    if (ctx.squid.icap_bypass) {
      ctx.stderr.write("regcache squid: warning: icap_bypass = true: while the ICAP service is down, CDN blob requests reach the CDN with the client's Authorization header\n");
    }
  }
  const text = flags.has("--ca") ? renderCaScript(ctx.squid) : renderSquidConf(ctx.squid, { configPath, snippet: flags.has("--snippet") });
  const out = flags.get("--out");
  if (out === undefined) {
    ctx.stdout.write(text);
    return 0;
  }
  // Write beside, then rename: Squid never reads a half-written file.
  const tmp = `${out}.tmp-${process.pid}`;
  await writeFile(tmp, text, { mode: flags.has("--ca") ? 0o755 : 0o644 });
  await rename(tmp, out);
  return 0;
}

// Test-only hooks for the helper, which Squid starts outside any test harness, so they
// come through the environment Squid passes on. Unset in production, they change nothing:
//   REGCACHE_SQUID_PROBE_CONNECT=127.0.0.1:PORT  send every probe to this address (TLS name
//                                                and Host stay the URL's: a stand-in CDN)
//   REGCACHE_SQUID_PROBE_CA=/path/ca.pem         also trust this CA (the stand-in's)
async function storeIdCommand(_flags: Map<string, string>, ctx: SquidCliContext): Promise<number> {
  // Squid shows only "store_id #HlprN exited": every line here goes to cache.log.
  const log = (line: string) => void ctx.stderr.write(`regcache squid store-id: ${line}\n`);
  const onUncaught = (err: Error) => log(`internal error, answered nothing for it and going on: ${err.name}: ${err.message}`);
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUncaught);
  try {
    const connectEnv = process.env.REGCACHE_SQUID_PROBE_CONNECT;
    const caEnv = process.env.REGCACHE_SQUID_PROBE_CA;
    const connectTo = connectEnv ? v.parse(listenAddress(), connectEnv) : undefined;
    if (connectEnv || caEnv) log("TEST HOOKS ACTIVE (REGCACHE_SQUID_PROBE_*): probes do not go to the real CDN");
    const client = createProbe({
      timeoutMs: ctx.squid.probe_timeout,
      connectTo,
      extraCa: caEnv ? await readFile(caEnv, "utf8") : undefined,
      onFailure: (what) => log(`probe ${what}; answered ERR`),
    });
    log(`started (pid ${process.pid}, ${ctx.squid.cdn_url_patterns.length} URL pattern(s))`);
    await runStoreIdHelper(ctx.stdin, ctx.stdout, { patterns: compilePatterns(ctx.squid.cdn_url_patterns), probe: client.probe, log });
    await client.close();
    log("exiting: stdin closed (Squid stopped, restarted or reconfigured)");
    return 0;
  } catch (err) {
    log(`exiting: ${(err as Error).message.split("\n")[0]}`);
    return 1;
  } finally {
    process.off("uncaughtException", onUncaught);
    process.off("unhandledRejection", onUncaught);
  }
}

async function icapCommand(flags: Map<string, string>, ctx: SquidCliContext): Promise<number> {
  const given = flags.get("--listen");
  const parsed = given === undefined ? { success: true as const, output: ctx.squid.icap_listen } : v.safeParse(listenAddress(), given);
  if (!parsed.success) throw new Error(`--listen: ${parsed.issues[0].message}`);
  const { hostname, port } = parsed.output;
  const log = (line: string) => void ctx.stderr.write(`regcache squid ${line}\n`);
  const server = createIcapServer({ cdnHosts: ctx.squid.cdn_hosts, blobPatterns: compilePatterns(ctx.squid.cdn_url_patterns), log });
  await server.listen(port, hostname);
  log(`icap: listening on ${hostname}:${port}, CDN hosts: ${ctx.squid.cdn_hosts.join(" ") || "(none: every request passes unchanged)"}`);
  // Runs until systemd (or a test) stops it; connections in progress are cut.
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  log("icap: stopping");
  await server.close();
  return 0;
}
