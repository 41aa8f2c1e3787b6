// Finding, parsing and validating regcache.toml into one frozen Config.
// Errors name the file, the key path and what was expected, e.g.
//   regcache.toml: upstream[1].ttl: expected a duration like "24h", got "soon"
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import * as v from "valibot";
import { EMBEDDED_DEFAULTS_TOML } from "./defaults.ts";
import { type Config, configSchema } from "./schema.ts";

export const SYSTEM_CONFIG_PATH = "/etc/regcache/regcache.toml";

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Where the config comes from: --config, $REGCACHE_CONFIG, /etc/regcache/regcache.toml, else embedded. */
export function findConfigPath(flag: string | undefined, env: Record<string, string | undefined>): string | undefined {
  if (flag) return flag;
  if (env.REGCACHE_CONFIG) return env.REGCACHE_CONFIG;
  if (existsSync(SYSTEM_CONFIG_PATH)) return SYSTEM_CONFIG_PATH;
  return undefined;
}

export interface LoadedConfig {
  config: Config;
  /** The file it came from, or "embedded defaults". */
  source: string;
  /** How error messages name it: the file's name, or "embedded defaults". */
  label: string;
}

export function loadConfig(flag: string | undefined, env: Record<string, string | undefined>): LoadedConfig {
  const path = findConfigPath(flag, env);
  if (!path) return { config: parseConfigText(EMBEDDED_DEFAULTS_TOML, "embedded defaults"), source: "embedded defaults", label: "embedded defaults" };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`${path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return { config: parseConfigText(text, basename(path)), source: path, label: basename(path) };
}

export function parseConfigText(text: string, label: string): Config {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    if (e instanceof TomlError) throw new ConfigError(`${label}: line ${e.line}, column ${e.column}: ${e.message.split("\n")[0]}`);
    throw new ConfigError(`${label}: ${String(e)}`);
  }
  const result = v.safeParse(configSchema, raw);
  if (!result.success) {
    const issue = result.issues[0];
    throw new ConfigError(`${label}: ${describeIssue(issue)}`);
  }
  return deepFreeze(result.output);
}

function describeIssue(issue: v.BaseIssue<unknown>): string {
  const path = keyPath(issue.path);
  let message = issue.message;
  // valibot's strictObject reports an unknown key as "Expected never"; say it plainly.
  if (issue.kind === "schema" && issue.expected === "never") message = "unknown key";
  return path ? `${path}: ${message}` : message;
}

function keyPath(path: v.IssuePathItem[] | undefined): string {
  let out = "";
  for (const item of path ?? []) {
    if (typeof item.key === "number") out += `[${item.key}]`;
    else out += out ? `.${String(item.key)}` : String(item.key);
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
