import { describe, expect, test } from "vitest";
import { UpstreamError } from "../upstream/index.ts";
import { Confirmations, passthroughCheck, type PassthroughPolicy } from "./passthrough.ts";

const A = { username: "a", password: "right" };
const WRONG = { username: "a", password: "wrong" };

function fixture(policy: Partial<PassthroughPolicy> = {}) {
  let clock = 1_000_000;
  let upstream: "up" | "down" | "refusing" | "revoked" = "up";
  const asked: string[] = [];
  const remembered: string[] = [];
  const check = passthroughCheck({
    confirmations: new Confirmations(),
    now: () => clock,
    lookup: (name) =>
      name.startsWith("private/")
        ? {
            policy: { authCacheMs: 300_000, outageAccess: "deny", outageWindowMs: 86_400_000, ...policy },
            async confirm(c) {
              asked.push(c.password);
              if (upstream === "down") throw new UpstreamError("private", "refused", "connection refused");
              if (upstream === "refusing") throw new UpstreamError("private", "invalid-response", "garbage");
              return upstream !== "revoked" && c.password === "right";
            },
            remember: (c) => void remembered.push(c.password),
          }
        : undefined,
  });
  return { check, asked, remembered, advance: (ms: number) => (clock += ms), set: (s: typeof upstream) => (upstream = s) };
}

describe("passthrough check", () => {
  test("not a passthrough repository: no verdict; anonymous: no", async () => {
    const f = fixture();
    expect(await f.check("public/x", A)).toBeUndefined();
    expect(await f.check("private/x", undefined)).toBe(false);
    expect(f.asked).toEqual([]);
  });

  test("the upstream decides; a yes is remembered for auth_cache per credential and repository", async () => {
    const f = fixture();
    expect(await f.check("private/x", WRONG)).toBe(false);
    expect(await f.check("private/x", A)).toBe(true);
    expect(await f.check("private/x", A)).toBe(true);
    expect(f.asked).toEqual(["wrong", "right"]);
    expect(f.remembered).toEqual(["right"]); // the cached yes keeps A's credentials in use for downloads
    expect(await f.check("private/y", A)).toBe(true); // another repository: asked again
    expect(f.asked).toHaveLength(3);
    f.advance(300_001);
    expect(await f.check("private/x", A)).toBe(true);
    expect(f.asked).toHaveLength(4);
  });

  test("outage, deny: nobody; confirmed-within: only a yes younger than the window", async () => {
    const deny = fixture({ authCacheMs: 0 });
    expect(await deny.check("private/x", A)).toBe(true);
    deny.set("down");
    expect(await deny.check("private/x", A)).toBe(false);

    const within = fixture({ authCacheMs: 0, outageAccess: "confirmed-within", outageWindowMs: 3_600_000 });
    expect(await within.check("private/x", A)).toBe(true);
    within.set("down");
    expect(await within.check("private/x", A)).toBe(true);
    expect(await within.check("private/x", WRONG)).toBe(false); // never confirmed
    expect(await within.check("private/y", A)).toBe(false); // confirmed for x, not y
    within.advance(3_600_001);
    expect(await within.check("private/x", A)).toBe(false);
  });

  test("a no from the upstream revokes an earlier yes; an answer that is no outage is an error, not a yes", async () => {
    const f = fixture({ authCacheMs: 0, outageAccess: "confirmed-within" });
    expect(await f.check("private/x", A)).toBe(true);
    f.set("revoked");
    expect(await f.check("private/x", A)).toBe(false);
    f.set("down");
    expect(await f.check("private/x", A)).toBe(false); // the earlier yes no longer counts in an outage
    f.set("refusing");
    await expect(f.check("private/x", A)).rejects.toThrow(UpstreamError);
  });
});
