// Runs Debian's wrk and reads its summary from a Lua done() hook as JSON, so nothing
// depends on wrk's human-readable units.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../test/helpers/processes.ts";
import { makeTempDir } from "../test/helpers/temp-dirs.ts";

export interface WrkResult {
  requests: number;
  bytes: number;
  seconds: number;
  /** Responses with a status >= 400, plus connect/read/write errors and timeouts. */
  errors: number;
  requestsPerSecond: number;
  bytesPerSecond: number;
}

const SCRIPT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"bytes":%d,"duration_us":%d,"errors":%d}\\n',
    summary.requests, summary.bytes, summary.duration, e.connect + e.read + e.write + e.status + e.timeout))
end
`;

let scriptPath: string | undefined;

export interface WrkOptions {
  connections: number;
  threads: number;
  seconds: number;
  headers?: Record<string, string>;
}

export async function runWrk(url: string, options: WrkOptions): Promise<WrkResult> {
  if (!scriptPath) {
    scriptPath = join(makeTempDir("regcache-bench-wrk-").path, "summary.lua");
    writeFileSync(scriptPath, SCRIPT);
  }
  const args = [`-c${options.connections}`, `-t${options.threads}`, `-d${options.seconds}s`, "--timeout", "30s", "-s", scriptPath];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push("-H", `${name}: ${value}`);
  args.push(url);
  const { stdout } = await runCommand("wrk", args, { name: "wrk", timeoutMs: (options.seconds + 60) * 1000 });
  const line = stdout.split("\n").find((l) => l.startsWith("WRK_JSON "));
  if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
  const raw = JSON.parse(line.slice("WRK_JSON ".length)) as { requests: number; bytes: number; duration_us: number; errors: number };
  const seconds = raw.duration_us / 1e6;
  return {
    requests: raw.requests,
    bytes: raw.bytes,
    seconds,
    errors: raw.errors,
    requestsPerSecond: raw.requests / seconds,
    bytesPerSecond: raw.bytes / seconds,
  };
}
