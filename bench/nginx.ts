// nginx (Debian's nginx-light) serving one directory on 127.0.0.1 with sendfile: the
// yardstick for large-blob throughput. One process (master_process off), in the
// foreground, so that the pid we started is the one that serves and the one we stop.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../test/helpers/ports.ts";
import { spawnProcess, waitForHttp, type ChildHandle } from "../test/helpers/processes.ts";
import { makeTempDir } from "../test/helpers/temp-dirs.ts";

const NGINX = "/usr/sbin/nginx";

export interface Nginx {
  readonly url: string;
  readonly process: ChildHandle;
  stop(): Promise<void>;
}

export async function startNginx(root: string): Promise<Nginx> {
  const dir = makeTempDir("regcache-bench-nginx-").path;
  for (const sub of ["logs", "tmp"]) mkdirSync(join(dir, sub));
  const port = await freePort();
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`,
  );
  // -e: the error log before the config is read (Debian's default is /var/log/nginx).
  const child = spawnProcess(NGINX, ["-p", dir, "-e", join(dir, "logs", "error.log"), "-c", conf], { name: `nginx 127.0.0.1:${port}` });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/`, 10_000);
  return { url, process: child, stop: async () => void (await child.stop("SIGTERM", 5_000)) };
}
