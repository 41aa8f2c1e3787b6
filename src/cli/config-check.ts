// `regcache config check [--config PATH]`: validate a config and say what is wrong.
import { loadConfig } from "../config/load.ts";
import { resolveConfig } from "../config/resolve.ts";
import { parse } from "./args.ts";
import type { CliIo } from "./io.ts";

export function configCheck(args: string[], io: CliIo): number {
  const { values } = parse(args, { config: { type: "string" } });
  const { config, source, label } = loadConfig(values.config, io.env);
  // Every check `regcache serve` makes before it starts, secrets files included.
  resolveConfig(config, label);
  io.stdout.write(`${source}: ok (listen ${config.server.listen.hostname}:${config.server.listen.port}, storage ${config.storage.path}, ${config.upstream.length} upstream(s))\n`);
  return 0;
}
