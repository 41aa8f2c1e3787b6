// Entry point of the shipped binary (bun build --compile).
import { runCli } from "../cli/main.ts";
import { bunPlatform } from "../platform/bun.ts";

const code = await runCli(process.argv.slice(2), { platform: bunPlatform, env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
process.exit(code);
