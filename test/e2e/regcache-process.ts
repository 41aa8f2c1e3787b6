// Starts regcache as a real process for end-to-end tests: the compiled binary
// (dist/regcache, what ships) or the same source under Deno. Each instance gets its
// own temp dir holding regcache.toml and the storage, and a free loopback port that
// it keeps across restarts, so a restarted server finds its clients and its data.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { freePort } from "../helpers/ports.ts";
import { spawnProcess, waitForHttp, type ChildHandle, type ExitStatus } from "../helpers/processes.ts";
import { makeTempDir } from "../helpers/temp-dirs.ts";
import { fetchTrusting } from "../helpers/test-ca.ts";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const BINARY = join(REPO_ROOT, "dist", "regcache");
export const DENO = join(REPO_ROOT, "node_modules", ".bin", "deno");

export type Runtime = "binary" | "deno";

export interface RegcacheOptions {
  /** Default "binary" (dist/regcache; run `npm run build` first). */
  runtime?: Runtime;
  /** server.shutdown_grace; default "5s". */
  shutdownGrace?: string;
  /** Lines added to the generated [server] table (e.g. `admin_token_file = "…"`). */
  serverToml?: string;
  /** TOML appended to the generated config (e.g. [[upstream]] tables). */
  extraToml?: string;
  /** storage.path; default a fresh folder in the instance's temp dir. */
  storageDir?: string;
  /** Extra environment of the process (e.g. NOTIFY_SOCKET). */
  env?: Record<string, string>;
  /** HTTPS: server.tls_cert / tls_key, and the PEM of the CA that the readiness probe trusts. */
  tls?: { cert: string; key: string; caPem: string; serverName?: string };
  /** Default 20 s; Deno's first start compiles the sources. */
  startTimeoutMs?: number;
}

/** The command line that runs `regcache <args>` on the given runtime. */
export function regcacheCommand(runtime: Runtime, args: string[]): [string, string[]] {
  // --unstable-net: a renewed TLS certificate is served by a second listener (reusePort).
  if (runtime === "deno") return [DENO, ["run", "-A", "--unstable-net", join(REPO_ROOT, "src/main/deno.ts"), ...args]];
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run \`npm run build\` before the e2e tests`);
  return [BINARY, args];
}

export interface LogLine {
  time: string;
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface RegcacheProcess {
  /** "http://127.0.0.1:PORT", or https:// with options.tls */
  readonly url: string;
  /** "127.0.0.1:PORT", for image references */
  readonly host: string;
  readonly port: number;
  /** The instance's temp dir; regcache.toml sits here. */
  readonly dir: string;
  readonly configPath: string;
  /** storage.path: blobs/, uploads/, tmp/, regcache.db. */
  readonly storageDir: string;
  /** The running (or last) process. */
  process(): ChildHandle;
  /** Every output line of every run so far, stdout and stderr, in order. */
  lines(): string[];
  /** The JSON log lines of every run so far (non-JSON lines are skipped). */
  logs(): LogLine[];
  /** Resolves with the first log line of the current run whose msg matches. */
  waitForLog(msg: string | RegExp, timeoutMs?: number): Promise<LogLine>;
  /** Sends `signal` by pid and waits for the exit (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ExitStatus>;
  /** kill -9 by pid, then waits for the exit. */
  kill9(): Promise<ExitStatus>;
  /** Stops if running (SIGTERM) and starts again on the same port and storage. */
  restart(): Promise<void>;
  /** Stops if running and removes the temp dir. */
  dispose(): Promise<void>;
}

function parseLog(line: string): LogLine | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(line) as LogLine;
    return typeof value.msg === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

export async function startRegcache(options: RegcacheOptions = {}): Promise<RegcacheProcess> {
  const runtime = options.runtime ?? "binary";
  const temp = makeTempDir(`regcache-e2e-${runtime}-`);
  const dir = temp.path;
  const storageDir = options.storageDir ?? join(dir, "storage");
  mkdirSync(storageDir, { recursive: true });
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const url = `${options.tls ? "https" : "http"}://${host}`;
  const probeFetch = options.tls ? fetchTrusting(options.tls.caPem, options.tls.serverName) : fetch;
  const configPath = join(dir, "regcache.toml");
  writeFileSync(
    configPath,
    [
      "[server]",
      `listen = "${host}"`,
      `shutdown_grace = "${options.shutdownGrace ?? "5s"}"`,
      ...(options.tls ? [`tls_cert = ${JSON.stringify(options.tls.cert)}`, `tls_key = ${JSON.stringify(options.tls.key)}`] : []),
      options.serverToml ?? "",
      "[storage]",
      `path = ${JSON.stringify(storageDir)}`,
      options.extraToml ?? "",
      "",
    ].join("\n"),
  );

  const all: string[] = [];
  let child: ChildHandle | undefined;
  const timeoutMs = options.startTimeoutMs ?? 20_000;

  async function start(): Promise<void> {
    const [command, args] = regcacheCommand(runtime, ["serve", "--config", configPath]);
    child = spawnProcess(command, args, {
      name: `regcache(${runtime}) ${host}`,
      cwd: REPO_ROOT,
      // No $REGCACHE_CONFIG from the developer's shell can leak in.
      env: { REGCACHE_CONFIG: undefined, ...options.env },
      onLine: (line) => all.push(line),
    });
    try {
      await child.waitForLine(/"msg":"regcache started"/, timeoutMs, "stdout");
      await waitForHttp(`${url}/v2/`, timeoutMs, probeFetch);
    } catch (error) {
      // A server that did not come up is not left running for the test to trip over.
      await child.kill();
      throw error;
    }
  }

  async function stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 15_000): Promise<ExitStatus> {
    if (!child) return { code: null, signal: null };
    return child.stop(signal, graceMs);
  }

  try {
    await start();
  } catch (error) {
    temp.remove();
    throw error;
  }

  return {
    url,
    host,
    port,
    dir,
    configPath,
    storageDir,
    process: () => child!,
    lines: () => [...all],
    logs: () => all.map(parseLog).filter((l): l is LogLine => l !== undefined),
    async waitForLog(msg, wait = 10_000) {
      const pattern = typeof msg === "string" ? new RegExp(`"msg":${JSON.stringify(msg).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`) : msg;
      return parseLog(await child!.waitForLine(pattern, wait, "stdout"))!;
    },
    stop,
    kill9: () => child!.kill(),
    async restart() {
      if (child?.isRunning()) await stop();
      await start();
    },
    async dispose() {
      if (child?.isRunning()) await stop("SIGTERM", 5_000);
      temp.remove();
    },
  };
}
