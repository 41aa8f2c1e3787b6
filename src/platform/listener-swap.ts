// Certificate renewal without a restart, for runtimes whose HTTPS server cannot
// change its certificate once listening (Bun.serve's reload() takes handlers
// only, and keeps serving the first certificate; Deno.serve has no reload).
// A renewed certificate gets a second listener on the same port (SO_REUSEPORT,
// so both are bound at once and no connection is refused meanwhile); the old one
// then stops accepting and finishes the requests it has, however long a pull
// takes. Plain HTTP uses one listener, bound exclusively as before.
import { createServer } from "node:net";
import type { RunningServer, ServeOptions, TlsCredentials } from "./types.ts";

/** One bound listener of a runtime's HTTP server. */
export interface Listener {
  port: number;
  /** Stops accepting; resolves when its requests are done (with `force`, cuts or abandons them). */
  stop(force: boolean): Promise<void>;
}

/** Binds one listener; `reusePort` lets a second one share the port during a swap. */
export type Listen = (port: number, tls: TlsCredentials | undefined, reusePort: boolean) => Promise<Listener>;

export async function swappableServer(options: ServeOptions, listen: Listen): Promise<RunningServer> {
  // With SO_REUSEPORT a second process on the same port would bind too and share the
  // connections silently; an exclusive bind first makes "address in use" an error as before.
  if (options.tls && options.port !== 0) await assertPortFree(options.hostname, options.port);
  let current = await listen(options.port, options.tls, options.tls !== undefined);
  const port = current.port;
  // Old listeners finishing their requests after a swap: a forced stop must reach them too.
  const draining = new Map<Listener, Promise<void>>();
  let stopped = false;
  return {
    port,
    async reloadTls(tls) {
      if (!options.tls) throw new Error("reloadTls: the server speaks plain HTTP; TLS needs a restart");
      // A renewal that arrives during shutdown must not open a listener nobody stops.
      if (stopped) return;
      const fresh = await listen(port, tls, true);
      const old = current;
      current = fresh;
      const done = old.stop(false).finally(() => draining.delete(old));
      draining.set(old, done);
    },
    async stop(force) {
      stopped = true;
      const stopping = [current.stop(force), ...[...draining].map(([listener, done]) => (force ? listener.stop(true) : done))];
      await Promise.all(stopping);
    },
  };
}

function assertPortFree(hostname: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (e: NodeJS.ErrnoException) => reject(Object.assign(new Error(`cannot listen on ${hostname}:${port}: ${e.code ?? e.message}`), { code: e.code })));
    probe.listen({ host: hostname, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
