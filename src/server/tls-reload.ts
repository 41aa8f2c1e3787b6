// Keeps the listener's certificate current: applies a renewed pair that passes every
// check (on SIGHUP, or when the files change), and refuses any other with a log line
// while the running certificate stays in force. One change at a time.
import { ConfigError } from "../config/load.ts";
import { readTlsPair, type TlsPair } from "../config/tls.ts";
import type { RunningServer } from "../platform/types.ts";
import type { Logger } from "../telemetry/log.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import { watchTlsFiles } from "./tls-watch.ts";

export interface TlsReloader {
  /** Serves `next` to new connections unless it is the pair already served. Throws when the swap fails. */
  apply(next: TlsPair, trigger: string): Promise<void>;
  stop(): void;
}

/** The fields a log line gives about a certificate (never the key). */
export const certificateFields = (pair: TlsPair) => ({ cert: pair.certFile, fingerprint_sha256: pair.fingerprint, not_after: pair.notAfter, chain: pair.chainLength });

export function startTlsReloader(options: {
  server: RunningServer;
  initial: TlsPair;
  /** The configured files and poll interval now (a SIGHUP may change them). */
  settings: () => { cert: string; key: string; intervalMs: number };
  log: Logger;
  metrics: Metrics;
}): TlsReloader {
  // So that an alert can fire before the served certificate expires (a renewal that never came).
  const expiry = options.metrics.gauge("regcache_tls_certificate_expiry_seconds", "When the certificate served to new connections expires (Unix time, seconds)");
  const served = (pair: TlsPair) => expiry.set(Math.floor(Date.parse(pair.notAfter) / 1000));
  let current = options.initial;
  served(current);
  let queue: Promise<void> = Promise.resolve();

  const apply = (next: TlsPair, trigger: string) => {
    const run = queue.then(async () => {
      if (next.certPem === current.certPem && next.keyPem === current.keyPem) return;
      await options.server.reloadTls({ cert: next.certPem, key: next.keyPem });
      current = next;
      served(next);
      options.log.info("tls certificate reloaded", { trigger, ...certificateFields(next) });
    });
    queue = run.catch(() => {});
    return run;
  };

  const onFilesChanged = () => {
    const { cert, key } = options.settings();
    let next: TlsPair;
    try {
      next = readTlsPair(cert, key);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      options.log.error("tls certificate reload refused; the running certificate stays in force", { trigger: "file change", error: e.message, ...certificateFields(current) });
      return;
    }
    apply(next, "file change").catch((e) => options.log.error("tls certificate reload failed; the running certificate stays in force", { trigger: "file change", error: String((e as Error)?.message ?? e) }));
  };

  const stopWatching = watchTlsFiles({
    files: () => options.settings(),
    intervalMs: () => options.settings().intervalMs,
    onChange: onFilesChanged,
  });
  return { apply, stop: stopWatching };
}
