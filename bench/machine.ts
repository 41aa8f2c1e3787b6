// What the figures were measured on: they only compare within one run, but the README
// keeps the machine next to them.
import { cpus, loadavg, totalmem } from "node:os";
import { release } from "node:os";
import { runCommand } from "../test/helpers/processes.ts";
import { BINARY } from "../test/e2e/regcache-process.ts";

async function firstLine(command: string, args: string[]): Promise<string> {
  const { stdout, stderr } = await runCommand(command, args, { allowFailure: true, name: command });
  return (stdout.trim() || stderr.trim()).split("\n")[0] ?? "";
}

export async function describeMachine(): Promise<Record<string, string>> {
  return {
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? "unknown"}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    kernel: release(),
    "load average at start": loadavg().map((l) => l.toFixed(2)).join(" "),
    regcache: await firstLine(BINARY, ["version"]),
    "docker-registry": await firstLine("/usr/bin/docker-registry", ["--version"]),
    nginx: (await firstLine("/usr/sbin/nginx", ["-v"])).replace(/^nginx version: /, ""),
    skopeo: await firstLine("skopeo", ["--version"]),
    wrk: (await firstLine("wrk", ["-v"])).split(" ").slice(0, 2).join(" "),
  };
}
