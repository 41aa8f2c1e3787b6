import { describe, expect, it } from "vitest";
import { bunUpstreamFetch, bunUpstreamFetchFor } from "./upstream-fetch-bun.ts";

describe("bunUpstreamFetchFor", () => {
  it("gives the native client when no proxy is configured", () => {
    expect(bunUpstreamFetchFor({ PATH: "/usr/bin", NO_PROXY: "*" })).toBe(bunUpstreamFetch);
  });

  it("gives none (undici does all) when the environment names a proxy, in either spelling", () => {
    for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"]) {
      expect(bunUpstreamFetchFor({ [name]: "http://proxy.example:3128" })).toBeUndefined();
    }
  });
});
