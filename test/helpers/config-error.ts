// The ConfigError message for a config text, for tests that check what an
// operator reads; fails the test when the text is accepted.
import { expect } from "vitest";
import { ConfigError, parseConfigText } from "../../src/config/load.ts";

export function configError(text: string): string {
  try {
    parseConfigText(text, "regcache.toml");
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
}
