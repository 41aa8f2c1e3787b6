import { describe, expect, it } from "vitest";
import { QUAY_CDN_PATTERN } from "../config/squid.ts";
import { compilePatterns, isBlobUrl, isCdnHost, storeKey } from "./cdn.ts";

const HEX = "a".repeat(64);
const blob = (host: string, q = "?X-Amz-Signature=abc&X-Amz-Expires=600") => `https://${host}/sha256/aa/${HEX}${q}`;

describe("isBlobUrl with quay.io's default pattern", () => {
  const patterns = compilePatterns([QUAY_CDN_PATTERN]);
  it("matches signed blob URLs on cdn and cdnNN hosts", () => {
    expect(isBlobUrl(`https://cdn01.quay.io/quayio-production-s3/sha256/aa/${HEX}?X-Amz-Signature=x`, patterns)).toBe(true);
    expect(isBlobUrl(`https://cdn.quay.io/x/sha256/aa/${HEX}`, patterns)).toBe(true);
  });
  it("does not match other hosts, plain HTTP or paths without a digest", () => {
    expect(isBlobUrl(`https://evil.example/cdn.quay.io/x/sha256/aa/${HEX}`, patterns)).toBe(false);
    expect(isBlobUrl(`http://cdn01.quay.io/x/sha256/aa/${HEX}`, patterns)).toBe(false);
    expect(isBlobUrl("https://cdn01.quay.io/x/sha256/aa/1234", patterns)).toBe(false);
  });
  it("matches nothing when the list is empty", () => {
    expect(isBlobUrl(blob("cdn01.quay.io"), compilePatterns([]))).toBe(false);
  });
});

describe("storeKey", () => {
  it("drops the query and shares one key across cdn, cdn01, cdn02", () => {
    const key = `https://cdn.quay.io/sha256/aa/${HEX}`;
    expect(storeKey(blob("cdn01.quay.io"))).toBe(key);
    expect(storeKey(blob("CDN02.Quay.IO", "?other=1#frag"))).toBe(key);
    expect(storeKey(blob("cdn.quay.io:443"))).toBe(key);
  });
  it("keeps a non-default port and the path byte for byte", () => {
    expect(storeKey(`https://cdn01.quay.io:8443/a%2Fb/${HEX}?s=1`)).toBe(`https://cdn.quay.io:8443/a%2Fb/${HEX}`);
  });
  it("refuses URLs it cannot key safely", () => {
    expect(storeKey(`https://user@cdn01.quay.io/sha256/${HEX}`)).toBeUndefined();
    expect(storeKey(`https://cdn01.quay.io/a/../sha256/${HEX}`)).toBeUndefined();
    expect(storeKey("cdn01.quay.io/no-scheme")).toBeUndefined();
    expect(storeKey("https://cdn01.quay.io")).toBeUndefined();
  });
});

describe("isCdnHost (dstdomain rules)", () => {
  it("matches exact names and dotted domains", () => {
    expect(isCdnHost("cdn01.quay.io", ["cdn01.quay.io"])).toBe(true);
    expect(isCdnHost("CDN01.quay.io.", ["cdn01.quay.io"])).toBe(true);
    expect(isCdnHost("x.cdn01.quay.io", ["cdn01.quay.io"])).toBe(false);
    expect(isCdnHost("cdn09.quay.io", [".quay.io"])).toBe(true);
    expect(isCdnHost("quay.io", [".quay.io"])).toBe(true);
    expect(isCdnHost("notquay.io", [".quay.io"])).toBe(false);
  });
  it("matches nothing when the list is empty", () => {
    expect(isCdnHost("cdn01.quay.io", [])).toBe(false);
  });
});
