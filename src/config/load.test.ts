import { describe, expect, test } from "vitest";
import { parseConfigText } from "./load.ts";
import { configError } from "../../test/helpers/config-error.ts";
import { EMBEDDED_DEFAULTS_TOML } from "./defaults.ts";

const err = configError;

describe("config", () => {
  test("the embedded defaults are valid", () => {
    const c = parseConfigText(EMBEDDED_DEFAULTS_TOML, "embedded");
    expect(c.server.listen).toEqual({ hostname: "0.0.0.0", port: 5000 });
    expect(c.storage.path).toBe("./regcache-data");
    expect(c.upstream.find((u) => u.name === "docker.io")?.ttl).toBe(86_400_000);
    expect(Object.isFrozen(c.upstream[0])).toBe(true);
  });
  test("the minimal config from DESIGN.md", () => {
    const c = parseConfigText(`[server]\nlisten = "127.0.0.1:5000"\n[storage]\npath = "/var/lib/regcache"\n[[upstream]]\nname = "docker.io"\nurl = "https://registry-1.docker.io"\nttl = "24h"\nstaleness = "7d"\n`, "x");
    expect(c.upstream[0]!.staleness).toBe(7 * 86_400_000);
    expect(c.upstream[0]!.stale_if_error).toContain("http-5xx");
  });
  test("a bad duration names the file, key path and expectation", () => {
    const text = `[[upstream]]\nname = "a"\nurl = "https://a"\n[[upstream]]\nname = "b"\nurl = "https://b"\nttl = "soon"\n`;
    expect(err(text)).toBe(`regcache.toml: upstream[1].ttl: expected a duration like "24h", got "soon"`);
  });
  test("unknown keys are errors", () => {
    expect(err(`[server]\nlisten = ":5000"\nlisen = ":6000"\n`)).toBe("regcache.toml: server.lisen: unknown key");
    expect(err(`[sever]\n`)).toBe("regcache.toml: sever: unknown key");
  });
  test("TOML syntax errors carry the line", () => {
    expect(err(`[server\n`)).toMatch(/^regcache.toml: line 1, column \d+:/);
  });
  test("duplicate upstream names and a dangling default_upstream are refused", () => {
    expect(err(`[[upstream]]\nname = "a"\nurl = "https://a"\n[[upstream]]\nname = "a"\nurl = "https://b"\n`)).toMatch(/unique/);
    expect(err(`[server]\ndefault_upstream = "nope"\n`)).toMatch(/default_upstream/);
  });
  test("stale_if_error only takes known failure classes", () => {
    expect(err(`[[upstream]]\nname = "a"\nurl = "https://a"\nstale_if_error = ["boom"]\n`)).toMatch(/upstream\[0\]\.stale_if_error\[0\]: expected one of refused/);
  });
});
