// A private containerd (Debian's `containerd`, 1.6) for tests: its own config,
// root, state and sockets in a temp dir, no CRI plugin, stopped by its pid.
// `ctr` talks to it over its socket. Tests only; needs root.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand, spawnProcess, type ChildHandle } from "./processes.ts";
import { makeTempDir, type TempDir } from "./temp-dirs.ts";

export interface Containerd {
  /** `ctr` against this containerd; throws with the output when it fails. */
  ctr(args: string[]): Promise<string>;
  /** A hosts dir for `--hosts-dir`: `registry` is served through `mirror` (containerd sends ?ns=registry). */
  hostsDir(registry: string, mirror: string): string;
  stop(): Promise<void>;
}

export async function startContainerd(): Promise<Containerd> {
  const temp: TempDir = makeTempDir("regcache-containerd-");
  const dir = temp.path;
  const socket = join(dir, "containerd.sock");
  writeFileSync(
    join(dir, "config.toml"),
    [
      "version = 2",
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      "[grpc]",
      `  address = "${socket}"`,
      "[ttrpc]",
      `  address = "${dir}/ttrpc.sock"`,
      "[debug]",
      `  address = "${dir}/debug.sock"`,
      "[metrics]",
      '  address = ""',
      "",
    ].join("\n"),
  );
  const child: ChildHandle = spawnProcess("/usr/bin/containerd", ["--config", join(dir, "config.toml")], { name: "containerd" });
  const ctr = async (args: string[]) => (await runCommand("/usr/bin/ctr", ["--address", socket, "--namespace", "regcache-test", ...args], { timeoutMs: 60_000 })).stdout;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await ctr(["version"]);
      break;
    } catch (e) {
      if (Date.now() > deadline || !child.isRunning()) throw new Error(`containerd did not start: ${String(e)}\n${child.text().stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    ctr,
    hostsDir(registry, mirror) {
      const hosts = join(dir, "hosts");
      mkdirSync(join(hosts, registry), { recursive: true });
      writeFileSync(join(hosts, registry, "hosts.toml"), `server = "http://${registry}"\n\n[host."http://${mirror}"]\n  capabilities = ["pull", "resolve"]\n`);
      return hosts;
    },
    async stop() {
      await child.stop("SIGTERM", 5_000);
      temp.remove();
    },
  };
}
