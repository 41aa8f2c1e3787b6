import { describe, expect, test } from "vitest";
import { adminAccess, isLoopback } from "./access.ts";

const req = (auth?: string) => new Request("http://x/api/v1/immutabilitypolicy/", { headers: auth ? { authorization: auth } : {} });

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
    expect(gate(req("Bearer wrong!"), { address: "127.0.0.1" })?.status).toBe(401);
    expect(gate(req(), { address: "127.0.0.1" })?.headers.get("www-authenticate")).toMatch(/Bearer/);
    expect(gate(req("Basic czNjcmV0"), { address: "10.1.2.3" })?.status).toBe(401);
  });
});
