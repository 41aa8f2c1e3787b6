// Starting and stopping the real processes of the Squid e2e test: Squid itself
// (foreground, private files) and the ICAP server. Each is stopped by its pid.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { connect } from "node:net";
import { promisify } from "node:util";

export { freePort } from "../helpers/ports.ts";

export const run = promisify(execFile);

export interface Proc {
  pid: number;
  /** What it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after graceMs; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export function startProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Proc {
  const child: ChildProcess = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
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

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port: number, proc: Proc, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Initialises the cache dirs (`squid -z`), then runs Squid in the foreground. */
export async function startSquid(conf: string, port: number, env: NodeJS.ProcessEnv): Promise<Proc> {
  await run("squid", ["-z", "-N", "-f", conf], { env, timeout: 60_000 });
  const squid = startProcess("squid", ["-N", "-d", "1", "-f", conf], env);
  await waitForPort(port, squid);
  return squid;
}
