// `regcache serve [--config PATH]`: run the registry until SIGTERM or SIGINT.
import { loadConfig } from "../config/load.ts";
import { startServer } from "../server/start.ts";
import { createLogger } from "../telemetry/log.ts";
import { parse } from "./args.ts";
import type { CliIo } from "./io.ts";

export async function serve(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { config: { type: "string" } });
  const { config, source } = loadConfig(values.config, io.env);
  const log = createLogger(config.server.log_level, (line) => io.stdout.write(line));
  log.info("config loaded", { source });
  const running = await startServer(config, io.platform, log);
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      running.shutdown(signal).then(() => resolve(0), (e) => {
        log.error("shutdown failed", { error: String(e) });
        resolve(1);
      });
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}
