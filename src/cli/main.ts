// The command dispatcher: `regcache <command> …`. Exit codes: 0 success,
// 1 a user error with a one-line reason, 2 a usage error.
import { EMBEDDED_DEFAULTS_TOML } from "../config/defaults.ts";
import { ConfigError } from "../config/load.ts";
import { PlatformError } from "../platform/types.ts";
import { MigrationError } from "../db/client.ts";
import { VERSION } from "../version.ts";
import { UsageError } from "./args.ts";
import { configCheck } from "./config-check.ts";
import type { CliIo } from "./io.ts";
import { policyCommand, POLICY_USAGE } from "./policy.ts";
import { prefetchCommand, PREFETCH_USAGE } from "./prefetch.ts";
import { exportCommand, EXPORT_USAGE } from "./export.ts";
import { importCommand, IMPORT_USAGE } from "./import.ts";
import { scrubCommand, SCRUB_USAGE } from "./scrub.ts";
import { serve } from "./serve.ts";
import { duCommand, DU_USAGE } from "./du.ts";
import { gcCommand, GC_USAGE } from "./gc.ts";
import { squid } from "./squid-command.ts";

const USAGE = `usage: regcache <command> [options]

commands:
  serve [--config PATH]          run the registry
  config check [--config PATH]   validate a config file
  config defaults                print the embedded defaults as a starting regcache.toml
  ${PREFETCH_USAGE}
  ${POLICY_USAGE}
  ${EXPORT_USAGE}
  ${IMPORT_USAGE}
  ${SCRUB_USAGE}
  ${DU_USAGE}
  ${GC_USAGE}
  squid config|store-id|icap     the Squid kit for CDN layer caching (docs/squid.md)
  version                        print the version

config lookup: --config, else $REGCACHE_CONFIG, else /etc/regcache/regcache.toml, else embedded defaults
`;

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "serve":
        return await serve(rest, io);
      case "config":
        if (rest[0] === "check") return configCheck(rest.slice(1), io);
        if (rest[0] === "defaults" && rest.length === 1) {
          io.stdout.write(EMBEDDED_DEFAULTS_TOML.trimStart());
          return 0;
        }
        throw new UsageError(`unknown config sub-command ${JSON.stringify(rest[0] ?? "")}; expected "check" or "defaults"`);
      case "policy":
        return await policyCommand(rest, io);
      case "squid":
        return await squid(rest, io);
      case "prefetch":
        return await prefetchCommand(rest, io);
      case "export":
        return await exportCommand(rest, io);
      case "import":
        return await importCommand(rest, io);
      case "scrub":
        return await scrubCommand(rest, io);
      case "du":
        return await duCommand(rest, io);
      case "gc":
        return await gcCommand(rest, io);
      case "version":
      case "--version":
        io.stdout.write(`regcache ${VERSION} (${io.platform.runtime})\n`);
        return 0;
      case "help":
      case "--help":
      case "-h":
        io.stdout.write(USAGE);
        return 0;
      default:
        throw new UsageError(command ? `unknown command ${JSON.stringify(command)}` : "no command given");
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`regcache: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof ConfigError || e instanceof MigrationError || e instanceof PlatformError) {
      io.stderr.write(`regcache: ${e.message}\n`);
      return 1;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "ENOSPC") {
      io.stderr.write(`regcache: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
}
