import { describe, expect, it } from "vitest";
import { findChallenge, parseWwwAuthenticate } from "./www-authenticate.ts";

describe("parseWwwAuthenticate", () => {
  it("reads a Docker Hub style Bearer challenge", () => {
    const h = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"';
    expect(parseWwwAuthenticate(h)).toEqual([
      {
        scheme: "bearer",
        params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/nginx:pull" },
      },
    ]);
  });

  it("keeps commas inside quoted values and unescapes backslashes", () => {
    const h = 'Bearer realm="https://a.example/token", scope="repository:a:pull,push repository:b:pull", error="say \\"hi\\""';
    const ch = findChallenge(h, "bearer");
    expect(ch?.params.scope).toBe("repository:a:pull,push repository:b:pull");
    expect(ch?.params.error).toBe('say "hi"');
  });

  it("accepts bare token values, odd spacing and mixed-case names", () => {
    const ch = parseWwwAuthenticate("bEaReR   Realm = https://x.example/t ,Service=svc");
    expect(ch).toEqual([{ scheme: "bearer", params: { realm: "https://x.example/t", service: "svc" } }]);
  });

  it("separates several challenges in one header", () => {
    const ch = parseWwwAuthenticate('Basic realm="Registry Realm", Bearer realm="https://t.example/token",service="r"');
    expect(ch.map((c) => c.scheme)).toEqual(["basic", "bearer"]);
    expect(findChallenge('Basic realm="Registry Realm", Bearer realm="x"', "bearer")?.params.realm).toBe("x");
    expect(ch[0].params.realm).toBe("Registry Realm");
  });

  it("never throws on garbage", () => {
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
    expect(parseWwwAuthenticate("")).toEqual([]);
    expect(() => parseWwwAuthenticate('Bearer realm="unterminated')).not.toThrow();
    expect(findChallenge('Bearer realm="unterminated', "bearer")?.params.realm).toBe("unterminated");
    expect(() => parseWwwAuthenticate("@@@ ,,, ===")).not.toThrow();
  });
});
