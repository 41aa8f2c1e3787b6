import { describe, expect, it } from "vitest";
import { nextLink } from "./link-header.ts";

const base = new URL("https://reg.example/v2/a/tags/list");

describe("nextLink", () => {
  it("resolves a relative next link", () => {
    expect(nextLink('</v2/a/tags/list?last=b&n=2>; rel="next"', base)?.href).toBe(
      "https://reg.example/v2/a/tags/list?last=b&n=2",
    );
  });

  it("picks rel=next among several links, quoted or not", () => {
    const h = '<https://reg.example/first>; rel="first", </v2/a/tags/list?last=x,y>; rel=next';
    expect(nextLink(h, base)?.href).toBe("https://reg.example/v2/a/tags/list?last=x,y");
  });

  it("returns undefined without a next link", () => {
    expect(nextLink(undefined, base)).toBeUndefined();
    expect(nextLink('</prev>; rel="prev"', base)).toBeUndefined();
  });
});
