// A tiny argument parser over node:util's parseArgs, turning its errors into
// usage errors (exit 2) with one line of explanation.
import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {}

export function parse<T extends ParseArgsConfig["options"]>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split("\n")[0]);
  }
}
