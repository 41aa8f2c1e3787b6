// `regcache serve [--config PATH]`: run the registry until SIGTERM or SIGINT; SIGHUP reloads the config.
import { loadConfig } from "../config/load.ts";
import { resolveConfig } from "../config/resolve.ts";
import { startServer } from "../server/start.ts";
import { batchedWriter } from "../telemetry/batched-writer.ts";
import { createLogger } from "../telemetry/log.ts";
import { parse } from "./args.ts";
import { createNotifier } from "../platform/sd-notify.ts";
import type { CliIo } from "./io.ts";

export async function serve(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { config: { type: "string" } });
  const { config, source, label } = loadConfig(values.config, io.env);
  const resolved = resolveConfig(config, label);
  const out = batchedWriter((chunk) => io.stdout.write(chunk));
  // Whatever way the process ends, the last lines are not lost.
  process.once("exit", out.flush);
  const log = createLogger(config.server.log_level, out.write);
  log.info("config loaded", { source });
  const running = await startServer(resolved, io.platform, log);
  // Type=notify: systemd counts the service as started only now that it serves.
  const notifier = createNotifier(io.env, io.platform.sendUnixDatagram?.bind(io.platform), log.warn.bind(log));
  notifier.ready();
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      notifier.stopping();
      running.shutdown(signal).then(
        () => {
          out.flush();
          resolve(0);
        },
        (e) => {
          log.error("shutdown failed", { error: String(e) });
          out.flush();
          resolve(1);
        },
      );
    };
    // SIGHUP (systemctl reload): the same file, read again. A config that does not pass every
    // check is refused with the reason, and the running one stays in force.
    const reload = () => {
      notifier.reloading();
      try {
        const next = loadConfig(values.config, io.env);
        running.reload(resolveConfig(next.config, next.label), next.label).then(
          () => notifier.ready(),
          (e) => {
            log.error("config reload refused; the running config stays in force", { source: next.source, error: (e as Error).message });
            notifier.ready();
          },
        );
      } catch (e) {
        log.error("config reload refused; the running config stays in force", { source, error: (e as Error).message });
        notifier.ready();
      }
    };
    process.on("SIGHUP", reload);
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}
