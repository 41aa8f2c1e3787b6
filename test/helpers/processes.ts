import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { Readable } from "node:stream";

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** Merged over process.env; a key set to undefined is removed from the child's env. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Shown in error messages; defaults to the command. */
  name?: string;
  /** Called with every complete output line as it arrives. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
}

export type Stream = "stdout" | "stderr" | "both";

export interface ChildHandle {
  readonly pid: number;
  readonly name: string;
  /** Every complete line so far, per stream and in arrival order across both. */
  readonly stdout: readonly string[];
  readonly stderr: readonly string[];
  readonly lines: readonly string[];
  /** The exact output so far (lines lose "\r" and a final newline; this does not). */
  text(): { stdout: string; stderr: string };
  /** Settles once the process has exited. */
  readonly exited: Promise<ExitStatus>;
  isRunning(): boolean;
  /** Resolves with the first line (already seen or still to come) that matches. */
  waitForLine(pattern: RegExp, timeoutMs: number, stream?: Stream): Promise<string>;
  /** Sends `signal` to the pid, waits for exit, and after `graceMs` sends SIGKILL. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ExitStatus>;
  /** kill -9 by pid, then waits for the exit. */
  kill(): Promise<ExitStatus>;
}

// Children still running when the test process exits are killed by pid. An "exit"
// handler cannot run when the worker itself is killed, so on Linux each child is also
// started under `setpriv --pdeathsig KILL`, which execs in place (same pid) and makes the
// kernel kill the child when its parent dies for any reason.
const running = new Set<number>();
process.on("exit", () => {
  for (const pid of running) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});
const SETPRIV = "/usr/bin/setpriv";
const usePdeathsig = existsSync(SETPRIV);
const echo = process.env.TEST_ECHO_PROCESSES === "1";

function childEnv(env: SpawnOptions["env"]): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(env ?? {})) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

// Splits a stream into lines; the last partial line is kept until the stream ends.
function onLines(stream: Readable, raw: string[], each: (line: string) => void): Promise<void> {
  let pending = "";
  const ended = new Promise<void>((resolve) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
  });
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    raw.push(chunk);
    const parts = (pending + chunk).split("\n");
    pending = parts.pop() ?? "";
    for (const part of parts) each(part.replace(/\r$/, ""));
  });
  stream.on("end", () => {
    if (pending !== "") each(pending);
    pending = "";
  });
  return ended;
}

export function spawnProcess(command: string, args: string[], options: SpawnOptions = {}): ChildHandle {
  const name = options.name ?? command;
  const [file, argv] = usePdeathsig
    ? [SETPRIV, ["--pdeathsig", "KILL", "--", command, ...args]]
    : [command, args];
  const child = spawn(file, argv, {
    cwd: options.cwd,
    env: childEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  running.add(pid);

  const stdout: string[] = [];
  const stderr: string[] = [];
  const lines: string[] = [];
  const watchers = new Set<(line: string, stream: "stdout" | "stderr") => void>();
  const record = (stream: "stdout" | "stderr", store: string[]) => (line: string) => {
    store.push(line);
    lines.push(line);
    if (echo) console.error(`[${name} ${stream}] ${line}`);
    options.onLine?.(line, stream);
    for (const watcher of watchers) watcher(line, stream);
  };
  const raw = { stdout: [] as string[], stderr: [] as string[] };
  const drained = Promise.all([
    onLines(child.stdout!, raw.stdout, record("stdout", stdout)),
    onLines(child.stderr!, raw.stderr, record("stderr", stderr)),
  ]);

  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    const done = (s: ExitStatus) => {
      if (status) return;
      status = s;
      running.delete(pid);
      // "exit" can come before the last output; wait for the pipes to end, but not
      // forever: a grandchild that inherited them could hold them open.
      void Promise.race([drained, new Promise((r) => setTimeout(r, 500))]).then(() => resolve(s));
    };
    child.on("exit", (code, signal) => done({ code, signal }));
    // A spawn failure (e.g. ENOENT without setpriv) never emits "exit".
    child.on("error", () => done({ code: null, signal: null }));
  });

  const tail = () => lines.slice(-20).join("\n");

  function waitForLine(pattern: RegExp, timeoutMs: number, stream: Stream = "both"): Promise<string> {
    const pool = stream === "stdout" ? stdout : stream === "stderr" ? stderr : lines;
    const seen = pool.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const finish = (fn: () => void) => {
        clearTimeout(timer);
        watchers.delete(watcher);
        fn();
      };
      const watcher = (line: string, from: "stdout" | "stderr") => {
        if ((stream === "both" || stream === from) && pattern.test(line)) finish(() => resolve(line));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`${name}: no line matching ${pattern} within ${timeoutMs} ms; last lines:\n${tail()}`))),
        timeoutMs,
      );
      watchers.add(watcher);
      void exited.then((s) => {
        if (watchers.has(watcher)) {
          finish(() => reject(new Error(`${name} exited (${s.code ?? s.signal}) before printing ${pattern}; last lines:\n${tail()}`)));
        }
      });
    });
  }

  async function stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000): Promise<ExitStatus> {
    if (status) return exited;
    try {
      process.kill(pid, signal);
    } catch {
      // exited between the check and the signal
    }
    const timer = setTimeout(() => {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }, graceMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  }

  return {
    pid,
    name,
    stdout,
    stderr,
    lines,
    exited,
    isRunning: () => status === undefined,
    text: () => ({ stdout: raw.stdout.join(""), stderr: raw.stderr.join("") }),
    waitForLine,
    stop,
    kill: () => stop("SIGKILL"),
  };
}

export interface RunOptions extends SpawnOptions {
  /** The command is killed (by pid) after this long; defaults to 120 s. */
  timeoutMs?: number;
  /** Resolve instead of throwing when the exit code is not 0. */
  allowFailure?: boolean;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; throws with its output when it fails or times out. */
export async function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const child = spawnProcess(command, args, options);
  const timeoutMs = options.timeoutMs ?? 120_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void child.kill();
  }, timeoutMs);
  const status = await child.exited;
  clearTimeout(timer);
  const result = { code: status.code, ...child.text() };
  if (timedOut || (status.code !== 0 && !options.allowFailure)) {
    const why = timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${status.code ?? status.signal}`;
    throw new Error(`${child.name} ${args.join(" ")}: ${why}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
  return result;
}

/** Sent by waitForHttp, so that logs can tell readiness probes from real requests. */
export const PROBE_USER_AGENT = "regcache-test-readiness-probe";

/** Polls `url` until any HTTP response arrives (a 401 or 404 still means "up"); returns its status. */
export async function waitForHttp(url: string, timeoutMs: number, fetcher: typeof fetch = fetch): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const response = await fetcher(url, {
        headers: { "user-agent": PROBE_USER_AGENT },
        signal: AbortSignal.timeout(Math.max(100, Math.min(2_000, deadline - Date.now()))),
      });
      await response.body?.cancel();
      return response.status;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}
