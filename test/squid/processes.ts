// Starting and stopping the real processes of the Squid e2e test: Squid itself
// (foreground, private files), the ICAP server, the relay. Each is stopped by its pid.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { type Netns, waitForPortIn } from "./netns.ts";

export const run = promisify(execFile);

export interface Proc {
  pid: number;
  /** What it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after graceMs; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export function startProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Proc {
  // stdin is a pipe that the test never closes: a process that waits on it (the relay)
  // ends by itself when the test process is gone.
  const child: ChildProcess = spawn(cmd, args, { env, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (b) => (out += b));
  child.stderr!.on("data", (b) => (out += b));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    pid: child.pid!,
    output: () => out,
    stop: async (graceMs = 5000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(child.pid!, "SIGTERM");
      const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves once the process has written `text` (e.g. a "listening" line). */
export async function waitForOutput(proc: Proc, text: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!proc.output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`no ${JSON.stringify(text)} after ${timeoutMs} ms:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Initialises the cache dirs (`squid -z`), then runs Squid in the foreground, inside ns. */
export async function startSquid(ns: Netns, conf: string, port: number, env: NodeJS.ProcessEnv): Promise<Proc> {
  const [zcmd, zargs] = ns.wrap("squid", ["-z", "-N", "-f", conf]);
  await run(zcmd, zargs, { env, timeout: 60_000 });
  const [cmd, args] = ns.wrap("squid", ["-N", "-d", "1", "-f", conf]);
  const squid = startProcess(cmd, args, env);
  await waitForPortIn(ns, port, squid.output);
  return squid;
}
