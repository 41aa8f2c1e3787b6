// `regcache squid …`: loads the config (for its [squid] section) and hands over
// to the squid kit's own argument handling in squid.ts.
import { loadConfig } from "../config/load.ts";
import type { CliIo } from "./io.ts";
import { runSquid } from "./squid.ts";

/** The value of --config (as "--config X" or "--config=X"), if given. */
function configFlag(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--config") return args[i + 1];
    if (args[i]!.startsWith("--config=")) return args[i]!.slice("--config=".length);
  }
  return undefined;
}

export async function squid(args: string[], io: CliIo): Promise<number> {
  const { config, source } = loadConfig(configFlag(args), io.env);
  return runSquid(args, {
    squid: config.squid,
    stdout: io.stdout,
    stderr: io.stderr,
    stdin: io.stdin,
    configPath: source === "embedded defaults" ? undefined : source,
  });
}
