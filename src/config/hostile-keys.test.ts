import { describe, expect, test } from "vitest";
import { parseConfigText } from "./load.ts";
import { configError as err } from "../../test/helpers/config-error.ts";

const up = (more: string) => `[[upstream]]\nname = "a"\nurl = "https://a.example"\n${more}\n`;

describe("keys that bound what outsiders control", () => {
  test("defaults: no redirect_allow, 24h upload expiry, no trusted proxies", () => {
    const c = parseConfigText(up(""), "x");
    expect(c.upstream[0]!.redirect_allow).toEqual([]);
    expect(c.storage.upload_expiry).toBe(86_400_000);
    expect(c.server.trusted_proxies).toEqual([]);
  });
  test("redirect_allow takes origins only", () => {
    expect(parseConfigText(up(`redirect_allow = ["http://127.0.0.1:9000", "https://cdn.internal"]`), "x").upstream[0]!.redirect_allow).toHaveLength(2);
    expect(err(up(`redirect_allow = ["http://127.0.0.1:9000/path"]`))).toMatch(/upstream\[0\]\.redirect_allow\[0\]: expected an origin/);
    expect(err(up(`redirect_allow = ["ftp://x"]`))).toMatch(/expected an origin/);
  });
  test("trusted_proxies takes CIDRs", () => {
    expect(parseConfigText(`[server]\ntrusted_proxies = ["127.0.0.1/32", "::1", "10.0.0.0/8"]\n`, "x").server.trusted_proxies).toHaveLength(3);
    expect(err(`[server]\ntrusted_proxies = ["10.0.0.0/33"]\n`)).toBe(`regcache.toml: server.trusted_proxies[0]: expected a CIDR range like "10.0.0.0/8" or "::1/128", got "10.0.0.0/33"`);
  });
  test("upload_expiry is a duration", () => {
    expect(err(`[storage]\nupload_expiry = "soon"\n`)).toMatch(/storage\.upload_expiry: expected a duration/);
  });
});
