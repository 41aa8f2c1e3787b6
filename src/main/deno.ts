// Entry point under Deno: `deno run -A src/main/deno.ts serve`.
import process from "node:process";
import { runCli } from "../cli/main.ts";
import { denoPlatform } from "../platform/deno.ts";

const code = await runCli(process.argv.slice(2), { platform: denoPlatform, env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
process.exit(code);
