import { describe, expect, it } from "vitest";
import { formatHelperReply, parseHelperLine } from "./protocol.ts";

describe("parseHelperLine", () => {
  it("reads channel, URL and ignores extras", () => {
    expect(parseHelperLine("7 https://cdn.quay.io/x 127.0.0.1/- - GET myip=1 myport=3128")).toEqual({
      kind: "request",
      channel: "7",
      url: "https://cdn.quay.io/x",
    });
  });
  it("reads a line without a channel (concurrency=0)", () => {
    expect(parseHelperLine("https://cdn.quay.io/x -")).toEqual({ kind: "request", channel: undefined, url: "https://cdn.quay.io/x" });
  });
  it("tolerates CR, tabs and runs of spaces", () => {
    expect(parseHelperLine("0\t  https://h/p\r")).toEqual({ kind: "request", channel: "0", url: "https://h/p" });
  });
  it("calls garbage malformed, keeping the channel when there is one", () => {
    expect(parseHelperLine("12")).toEqual({ kind: "malformed", channel: "12" });
    expect(parseHelperLine("12 not-a-url")).toEqual({ kind: "malformed", channel: "12" });
    expect(parseHelperLine("hello world")).toEqual({ kind: "malformed", channel: undefined });
    expect(parseHelperLine("\u0000\u00ff ~~")).toEqual({ kind: "malformed", channel: undefined });
  });
  it("skips blank lines", () => {
    expect(parseHelperLine("")).toEqual({ kind: "empty" });
    expect(parseHelperLine("  \r")).toEqual({ kind: "empty" });
  });
});

describe("formatHelperReply", () => {
  it("formats OK (with the shared-key note) and ERR (without), with and without a channel", () => {
    expect(formatHelperReply("3", "https://cdn.quay.io/k")).toBe("3 OK store-id=https://cdn.quay.io/k regcache_shared_key=yes\n");
    expect(formatHelperReply("3", undefined)).toBe("3 ERR\n");
    expect(formatHelperReply(undefined, "https://k")).toBe("OK store-id=https://k regcache_shared_key=yes\n");
    expect(formatHelperReply(undefined, undefined)).toBe("ERR\n");
  });
});
