// Stands in for the compiled binary's dispatcher in the Squid kit's e2e tests when
// REGCACHE_BIN is not set: `bun test/squid/entry.ts squid <sub> [--config FILE] ...`
// reads the [squid] section of FILE and runs the same runSquid the binary runs.
import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import * as v from "valibot";
import { runSquid } from "../../src/cli/squid.ts";
import { squidSection } from "../../src/config/squid.ts";

const args = process.argv.slice(2);
if (args[0] !== "squid") {
  process.stderr.write("usage: entry.ts squid config|store-id|icap [--config FILE] ...\n");
  process.exit(2);
}
const at = args.indexOf("--config");
const configPath = at >= 0 ? args[at + 1] : undefined;
const toml = configPath ? (parseToml(readFileSync(configPath, "utf8")) as { squid?: unknown }) : {};
const squid = v.parse(squidSection, toml.squid ?? {});
const code = await runSquid(args.slice(1), { squid, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, configPath });
process.exit(code);
