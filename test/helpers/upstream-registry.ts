import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { matchesFilter, parseAccessLine, type AccessLogEntry, type RequestFilter } from "./access-log.ts";
import { htpasswdLine } from "./htpasswd.ts";
import { freePort } from "./ports.ts";
import { PROBE_USER_AGENT, spawnProcess, waitForHttp, type ChildHandle } from "./processes.ts";
import { registryConfigYaml } from "./registry-config.ts";
import { makeTempDir } from "./temp-dirs.ts";

export type { AccessLogEntry, RequestFilter } from "./access-log.ts";

const BINARY = "/usr/bin/docker-registry";

export interface UpstreamRegistryOptions {
  /** Require HTTP basic auth with this one user. */
  auth?: { username: string; password: string };
  /** Run as a pull-through cache of another registry (bench/'s reference cache).
   *  docker-registry panics at start when that upstream is unreachable: start it first. */
  proxy?: { remoteUrl: string; username?: string; password?: string };
  /** Where config and storage go. Default: a temp dir removed when the test process exits
   *  (not by stop(), so that a stopped registry can be restarted with its content). */
  dir?: string;
  startTimeoutMs?: number;
}

export interface UpstreamRegistry {
  /** "http://127.0.0.1:PORT" */
  readonly url: string;
  /** "127.0.0.1:PORT", for image references */
  readonly host: string;
  readonly port: number;
  readonly storageDir: string;
  /** The running (or last) docker-registry process. */
  process(): ChildHandle;
  /** Access-log entries since start or the last resetAccessLog(), across restarts. */
  accessLog(): AccessLogEntry[];
  countRequests(filter?: RequestFilter): number;
  /** Waits until at least `count` entries match: a log line can trail the response. */
  waitForRequests(filter: RequestFilter, count: number, timeoutMs?: number): Promise<void>;
  resetAccessLog(): void;
  /** Stops the process by pid (SIGTERM, then SIGKILL); storage is kept. */
  stop(): Promise<void>;
  /** Stops if running and starts again on the same port with the same storage. */
  restart(): Promise<void>;
}

export async function startUpstreamRegistry(options: UpstreamRegistryOptions = {}): Promise<UpstreamRegistry> {
  const dir = options.dir ?? makeTempDir("regcache-upstream-").path;
  const storageDir = join(dir, "storage");
  mkdirSync(storageDir, { recursive: true });
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const url = `http://${host}`;

  let htpasswdPath: string | undefined;
  if (options.auth) {
    htpasswdPath = join(dir, "htpasswd");
    writeFileSync(htpasswdPath, await htpasswdLine(options.auth.username, options.auth.password));
  }
  const configPath = join(dir, "config.yml");
  writeFileSync(configPath, registryConfigYaml({ port, storageDir, htpasswdPath, proxy: options.proxy }));

  let entries: AccessLogEntry[] = [];
  let child: ChildHandle | undefined;

  async function start(): Promise<void> {
    child = spawnProcess(BINARY, ["serve", configPath], {
      name: `docker-registry ${host}`,
      onLine(line, stream) {
        const entry = stream === "stdout" ? parseAccessLine(line) : undefined;
        // Our own readiness probes are not requests any test wants to count.
        if (entry && entry.userAgent !== PROBE_USER_AGENT) entries.push(entry);
      },
    });
    const timeoutMs = options.startTimeoutMs ?? 15_000;
    await child.waitForLine(/listening on /, timeoutMs, "stderr");
    await waitForHttp(`${url}/v2/`, timeoutMs);
  }

  async function stop(): Promise<void> {
    await child?.stop("SIGTERM", 5_000);
  }

  const countRequests = (filter?: RequestFilter) => entries.filter((e) => matchesFilter(e, filter)).length;

  await start();

  return {
    url,
    host,
    port,
    storageDir,
    process: () => child!,
    accessLog: () => [...entries],
    countRequests,
    async waitForRequests(filter, count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (countRequests(filter) < count) {
        if (Date.now() > deadline) {
          throw new Error(`${host}: ${countRequests(filter)} of ${count} requests matching ${JSON.stringify(filter)} after ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    resetAccessLog() {
      entries = [];
    },
    stop,
    async restart() {
      await stop();
      await start();
    },
  };
}
