// What the figures were measured on: they only compare within one run, but the README
// keeps the machine next to them.
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { runCommand } from "../test/helpers/processes.ts";
import { BINARY } from "../test/e2e/regcache-process.ts";

async function firstLine(command: string, args: string[]): Promise<string> {
  const { stdout, stderr } = await runCommand(command, args, { allowFailure: true, name: command });
  return (stdout.trim() || stderr.trim()).split("\n")[0] ?? "";
}

function cpuTimes(): { busy: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  // idle + iowait
  return { busy: total - fields[3]! - fields[4]!, total };
}

/** Share of all cores busy over the next `ms`, from /proc/stat: is anything else running? */
export async function cpuBusyPercent(ms = 2_000): Promise<number> {
  const before = cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = cpuTimes();
  return (100 * (after.busy - before.busy)) / Math.max(1, after.total - before.total);
}

export async function describeMachine(): Promise<Record<string, string>> {
  return {
    "CPU busy before start": `${(await cpuBusyPercent()).toFixed(0)} %`,
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
