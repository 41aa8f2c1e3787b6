// A network namespace of the test's own (`unshare -n`): Squid, the ICAP service,
// the helper and curl run inside it, so no test traffic can reach the machine's
// network, and the CDN stand-in gets an address that is not loopback (Squid's
// `to_localhost` rule refuses loopback destinations, as it must in production).
// The kernel here has no dummy interface type, so the address goes on the
// namespace's own lo; routing inside the namespace is the same.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Netns {
  /** The holder process; the namespace lives while it (or anything inside) runs. */
  pid: number;
  /** The non-loopback address inside the namespace, e.g. 192.0.2.10. */
  address: string;
  /** cmd and args that run `cmd args` inside the namespace (nsenter execs: same pid). */
  wrap(cmd: string, args: string[]): [string, string[]];
  stop(): Promise<void>;
}

export async function createNetns(address: string): Promise<Netns> {
  // The holder waits on stdin: if the test process dies, the pipe closes and it exits.
  const script = `ip link set lo up && ip addr add ${address}/32 dev lo && echo ready && exec cat >/dev/null`;
  const holder: ChildProcess = spawn("unshare", ["-n", "--", "sh", "-c", script], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  holder.stderr!.on("data", (b) => (out += b));
  const exited = new Promise<void>((r) => holder.once("exit", () => r()));
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.on("data", (b) => String(b).includes("ready") && resolve());
    holder.once("exit", (code) => reject(new Error(`unshare -n failed (exit ${code}): ${out}`)));
  });
  const pid = holder.pid!;
  return {
    pid,
    address,
    wrap: (cmd, args) => ["nsenter", [`--net=/proc/${pid}/ns/net`, "--", cmd, ...args]],
    stop: async () => {
      if (holder.exitCode !== null || holder.signalCode !== null) return;
      process.kill(pid, "SIGTERM");
      await exited;
    },
  };
}

/** Resolves once something inside the namespace accepts TCP connections on 127.0.0.1:port. */
export async function waitForPortIn(ns: Netns, port: number, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const [cmd, args] = ns.wrap("bash", ["-c", `exec 3<>/dev/tcp/127.0.0.1/${port}`]);
  for (;;) {
    const ok = await run(cmd, args, { timeout: 5_000 }).then(() => true, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} in the test namespace after ${timeoutMs} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
