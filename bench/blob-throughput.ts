// Large-blob GET throughput: one connection (as one client pulling one layer) fetching
// the cached 512 MiB blob over and over with wrk for a fixed time; MB/s = bytes / time.
// The same file is served by nginx (sendfile) as the yardstick.
import { runCommand } from "../test/helpers/processes.ts";
import { runWrk, type WrkResult } from "./wrk.ts";

export async function blobThroughput(url: string, expectedSize: number, seconds = 5): Promise<WrkResult> {
  const probe = await fetch(url, { method: "HEAD" });
  const length = Number(probe.headers.get("content-length"));
  if (probe.status !== 200 || length !== expectedSize) {
    throw new Error(`HEAD ${url} answered ${probe.status} with Content-Length ${length}, expected ${expectedSize}`);
  }
  return runWrk(url, { connections: 1, threads: 1, seconds });
}

/** One GET with curl into /dev/null: seconds and bytes (for a cold, streamed-through blob). */
export async function singleGet(url: string): Promise<{ seconds: number; bytes: number; status: number }> {
  const { stdout } = await runCommand("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_total}", url], {
    name: "curl",
    timeoutMs: 300_000,
  });
  const [status, bytes, seconds] = stdout.trim().split(" ").map(Number);
  return { status: status!, bytes: bytes!, seconds: seconds! };
}
