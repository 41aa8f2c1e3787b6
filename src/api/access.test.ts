import { describe, expect, test } from "vitest";
import { adminAccess, clientAddress, isLoopback, isLoopbackHost } from "./access.ts";
import { parseCidr } from "../config/ip.ts";

const req = (auth?: string, more: Record<string, string> = {}, method = "GET") =>
  new Request("http://127.0.0.1:5000/api/v1/immutabilitypolicy/", { method, headers: { host: "127.0.0.1:5000", ...(auth ? { authorization: auth } : {}), ...more } });

describe("admin API access", () => {
  test.each(["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])("%s is loopback", (a) => expect(isLoopback(a)).toBe(true));
  test.each(["10.0.0.7", "::ffff:10.0.0.7", "fe80::1", "", "128.0.0.1"])("%s is not loopback", (a) => expect(isLoopback(a)).toBe(false));

  test("without a token: loopback passes, everyone else gets 403", async () => {
    const gate = adminAccess(undefined);
    expect(gate(req(), { address: "127.0.0.1" })).toBeUndefined();
    const refused = gate(req(), { address: "10.1.2.3" })!;
    expect(refused.status).toBe(403);
    expect((await refused.json()).error).toMatch(/admin_token_file/);
    expect(gate(req(), undefined)?.status).toBe(403);
  });

  test("with a token: the right bearer token passes from anywhere, nothing else does", () => {
    const gate = adminAccess("s3cret");
    expect(gate(req("Bearer s3cret"), { address: "10.1.2.3" })).toBeUndefined();
    expect(gate(req("bearer s3cret"), { address: "10.1.2.3" })).toBeUndefined();
    expect(gate(req("Bearer wrong!"), { address: "127.0.0.1" })?.status).toBe(401);
    expect(gate(req(), { address: "127.0.0.1" })?.headers.get("www-authenticate")).toMatch(/Bearer/);
    expect(gate(req("Basic czNjcmV0"), { address: "10.1.2.3" })?.status).toBe(401);
  });

  test("behind a trusted proxy the client is the X-Forwarded-For address", () => {
    const gate = adminAccess({ trustedProxies: ["127.0.0.1/32"] });
    expect(gate(req(undefined, { "x-forwarded-for": "203.0.113.9" }), { address: "127.0.0.1" })?.status).toBe(403);
    // A client cannot claim loopback by writing the header itself: the proxy appends its peer.
    expect(gate(req(undefined, { "x-forwarded-for": "127.0.0.1, 203.0.113.9" }), { address: "127.0.0.1" })?.status).toBe(403);
    expect(gate(req(undefined, { "x-forwarded-for": "::1" }), { address: "127.0.0.1" })).toBeUndefined();
    // From a peer that is not a trusted proxy, the header means nothing.
    expect(adminAccess(undefined)(req(undefined, { "x-forwarded-for": "203.0.113.9" }), { address: "127.0.0.1" })).toBeUndefined();
    const proxies = [parseCidr("10.0.0.0/8")!];
    expect(clientAddress(req(undefined, { "x-forwarded-for": "198.51.100.1, 10.0.0.2" }), "10.0.0.1", proxies)).toBe("198.51.100.1");
    expect(clientAddress(req(undefined, { "x-forwarded-for": "garbage" }), "10.0.0.1", proxies)).toBe("");
  });

  test("another site's Origin is refused, token or not", () => {
    expect(adminAccess(undefined)(req(undefined, { origin: "http://evil.example" }), { address: "127.0.0.1" })?.status).toBe(403);
    expect(adminAccess("s3cret")(req("Bearer s3cret", { origin: "http://evil.example" }), { address: "127.0.0.1" })?.status).toBe(403);
    expect(adminAccess(undefined)(req(undefined, { origin: "null" }), { address: "127.0.0.1" })?.status).toBe(403);
    expect(adminAccess(undefined)(req(undefined, { origin: "http://127.0.0.1:5000" }), { address: "127.0.0.1" })).toBeUndefined();
  });

  test("writes need Content-Type: application/json", () => {
    const gate = adminAccess(undefined);
    expect(gate(req(undefined, { "content-type": "text/plain" }, "POST"), { address: "127.0.0.1" })?.status).toBe(415);
    expect(gate(req(undefined, {}, "POST"), { address: "127.0.0.1" })?.status).toBe(415);
    expect(gate(req(undefined, { "content-type": "application/json; charset=utf-8" }, "POST"), { address: "127.0.0.1" })).toBeUndefined();
    expect(gate(req(undefined, {}, "DELETE"), { address: "127.0.0.1" })).toBeUndefined();
  });

  test("without a token, Host must be a loopback name (DNS rebinding)", () => {
    expect(isLoopbackHost("localhost:5000")).toBe(true);
    expect(isLoopbackHost("[::1]:5000")).toBe(true);
    expect(isLoopbackHost("evil.example:5000")).toBe(false);
    expect(isLoopbackHost(null)).toBe(false);
    expect(adminAccess(undefined)(req(undefined, { host: "evil.example:5000" }), { address: "127.0.0.1" })?.status).toBe(403);
    expect(adminAccess("t")(req("Bearer t", { host: "edge.example" }), { address: "10.0.0.1" })).toBeUndefined();
  });
});
