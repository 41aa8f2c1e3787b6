// The Squid kit caching CDN blobs, end to end with real Squid (see kit.ts): shared keys
// across signatures and CDN hosts, revalidation, refusals, parallel first requests,
// and no copy stored for a URL that got no shared key.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOSTS, type Kit, startKit } from "./kit.ts";

let kit: Kit;
beforeAll(async () => {
  kit = await startKit();
});
afterAll(async () => {
  await kit?.stop();
});

describe("Squid kit with real Squid: caching", () => {
  it("MISS with signature A, then HIT with signature B, Bearer a/b never reach the CDN", async () => {
    const { cdn, get } = kit;
    const { path, digest } = cdn.addBlob(randomBytes(3 << 20));
    const first = await get(cdn.signedUrl("cdn01.quay.io", path, { nonce: "A" }), { authorization: "Bearer a" });
    expect(first).toMatchObject({ status: 200, xcache: "MISS", sha256: digest });
    const second = await get(cdn.signedUrl("cdn02.quay.io", path, { nonce: "B" }), { authorization: "Bearer b" });
    expect(second).toMatchObject({ status: 200, xcache: "HIT", sha256: digest });
    expect(cdn.fullBodyGets(path)).toBe(1);
    await kit.logOnceMatching("access.log", new RegExp(` GET https://cdn01\\.quay\\.io${path}`));
    const log = await kit.logOnceMatching("access.log", new RegExp(` GET https://cdn02\\.quay\\.io${path}`));
    expect(log).toMatch(new RegExp(`TCP_MISS/200 \\d+ GET https://cdn01\\.quay\\.io${path}`));
    expect(log).toMatch(new RegExp(`TCP_(MEM_)?HIT/200 \\d+ GET https://cdn02\\.quay\\.io${path}`));
  });

  it("keeps an answer marked private, and revalidates it (304) instead of downloading it again", async () => {
    // Squid 5 stores it (ignore-private) but flags it revalidate-always.
    const { cdn, get } = kit;
    const { path, digest } = cdn.addBlob(randomBytes(256 << 10), "private, max-age=600");
    expect(await get(cdn.signedUrl("cdn01.quay.io", path, { nonce: "A" }))).toMatchObject({ status: 200, sha256: digest });
    expect(await get(cdn.signedUrl("cdn03.quay.io", path, { nonce: "B" }))).toMatchObject({ status: 200, sha256: digest });
    expect(cdn.fullBodyGets(path)).toBe(1);
    expect(cdn.seen.filter((s) => s.path === path && s.status === 304)).toHaveLength(1);
  });

  it("answers a bad or expired signature 403 from the CDN, never from the cache", async () => {
    const { cdn, get } = kit;
    const { path } = cdn.addBlob(randomBytes(64 << 10));
    expect((await get(cdn.signedUrl("cdn01.quay.io", path, { nonce: "good" }))).status).toBe(200);
    const forged = cdn.signedUrl("cdn01.quay.io", path, { nonce: "good" }).replace(/X-Amz-Signature=\w+/, "X-Amz-Signature=forged");
    const expired = cdn.signedUrl("cdn01.quay.io", path, { ageSeconds: 3600, validFor: 60 });
    for (const url of [forged, forged, expired]) {
      const r = await get(url, { authorization: "Bearer evil" });
      expect(r.status).toBe(403);
      expect(r.xcache).not.toBe("HIT");
    }
    const denied = cdn.seen.filter((s) => s.path === path && s.status === 403 && s.range === undefined);
    expect(denied.length).toBe(3); // each reached the CDN itself
    expect(cdn.fullBodyGets(path)).toBe(1);
  });

  it("8 parallel first requests for one blob: the CDN serves the full body once", async () => {
    const { cdn, get } = kit;
    const { path, digest } = cdn.addBlob(randomBytes(2 << 20));
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => get(cdn.signedUrl(HOSTS[i % 4]!, path, { nonce: `p${i}` }), { authorization: `Bearer p${i}` })),
    );
    for (const r of results) expect(r).toMatchObject({ status: 200, sha256: digest, curlExit: 0 });
    const full = cdn.fullBodyGets(path);
    console.log(`8 parallel requests: ${full} full-body fetch(es) at the CDN, ${cdn.seen.filter((s) => s.path === path && s.range).length} probes`);
    expect(full).toBeLessThanOrEqual(2);
  });

  it("a failed probe: the blob is served but stored nowhere, not even under its signed URL", async () => {
    const { cdn, get } = kit;
    const { path, digest } = cdn.addBlob(randomBytes(512 << 10), undefined, { failProbes: true });
    const url = cdn.signedUrl("cdn01.quay.io", path, { nonce: "same" });
    // The same signed URL twice: a copy stored under it would make the second a HIT.
    for (let i = 0; i < 2; i++) expect(await get(url)).toMatchObject({ status: 200, xcache: "MISS", sha256: digest });
    expect(cdn.fullBodyGets(path)).toBe(2);
    // The helper tells cache.log that it runs and why it gave no key.
    expect(kit.log("cache.log")).toMatch(/regcache squid store-id: started \(pid \d+/);
    expect(kit.log("cache.log")).toContain(`probe https://cdn01.quay.io${path} answered 503; answered ERR`);
    const stored = kit.log("store.log").split("\n").filter((l) => l.includes(digest) && / SWAPOUT /.test(l));
    expect(stored).toEqual([]);
  });

  it("the CDN never saw Authorization on a blob request, nor a HEAD, nor Via or X-Forwarded-For", () => {
    const { seen } = kit.cdn;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((s) => s.authorization !== undefined)).toEqual([]);
    expect(seen.filter((s) => s.method !== "GET")).toEqual([]);
    expect(seen.filter((s) => s.via !== undefined || s.forwardedFor !== undefined)).toEqual([]);
  });
});
