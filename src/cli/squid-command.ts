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
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig(configFlag(args), io.env);
  } catch (err) {
    // Squid starts the helper and shows only "exited": say why in cache.log (stderr).
    if (args[0] === "store-id") io.stderr.write(`regcache squid store-id: exiting: ${(err as Error).message.split("\n")[0]}\n`);
    throw err;
  }
  const { config, source } = loaded;
  return runSquid(args, {
    squid: config.squid,
    stdout: io.stdout,
    stderr: io.stderr,
    stdin: io.stdin,
    configPath: source === "embedded defaults" ? undefined : source,
  });
}
