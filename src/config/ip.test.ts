import { describe, expect, test } from "vitest";
import { inCidr, internalClass, parseCidr, parseIp } from "./ip.ts";

describe("ip", () => {
  test("classes of internal addresses", () => {
    expect(internalClass("127.0.0.1")).toBe("loopback");
    expect(internalClass("127.9.9.9")).toBe("loopback");
    expect(internalClass("::1")).toBe("loopback");
    expect(internalClass("::ffff:127.0.0.1")).toBe("loopback");
    expect(internalClass("::ffff:7f00:1")).toBe("loopback");
    expect(internalClass("169.254.169.254")).toBe("link-local");
    expect(internalClass("fe80::1%eth0")).toBe("link-local");
    expect(internalClass("10.1.2.3")).toBe("private");
    expect(internalClass("172.31.255.255")).toBe("private");
    expect(internalClass("192.168.0.1")).toBe("private");
    expect(internalClass("fd12:3456::1")).toBe("private");
    expect(internalClass("0.0.0.0")).toBe("unspecified");
    expect(internalClass("::")).toBe("unspecified");
    expect(internalClass("[::1]")).toBe("loopback");
  });
  test("public addresses are not internal", () => {
    for (const a of ["8.8.8.8", "172.32.0.1", "2001:db8::1", "192.169.0.1", "not-an-ip"]) expect(internalClass(a)).toBeUndefined();
  });
  test("cidr matching", () => {
    expect(inCidr(parseIp("10.9.8.7")!, parseCidr("10.0.0.0/8")!)).toBe(true);
    expect(inCidr(parseIp("11.0.0.1")!, parseCidr("10.0.0.0/8")!)).toBe(false);
    expect(inCidr(parseIp("::ffff:10.0.0.1")!, parseCidr("10.0.0.0/8")!)).toBe(true);
    expect(inCidr(parseIp("2001:db8::5")!, parseCidr("2001:db8::/32")!)).toBe(true);
    expect(parseCidr("1.2.3.4/33")).toBeUndefined();
    expect(parseCidr("::1")).toEqual({ bytes: [...Array(15).fill(0), 1], bits: 128 });
  });
});
