// The manifest side of the pull-through core, in process with a fake upstream
// and a clock the test moves: freshness at its exact edges, which failures may
// be served stale, single-flight, and the checks of an upstream's manifest.
import { afterEach, describe, expect, test } from "vitest";
import { FAILURE_CLASSES } from "../config/upstream.ts";
import { cacheKit, type CacheKit, HOUR } from "../../test/helpers/cache-kit.ts";

let kit: CacheKit;
afterEach(async () => kit?.close());

const TTL = HOUR;
const STALENESS = 2 * HOUR;

async function primed(staleIfError?: readonly string[]) {
  const list = staleIfError ? `\nstale_if_error = ${JSON.stringify(staleIfError)}` : "";
  kit = await cacheKit({ upstreamToml: `ttl = "1h"\nstaleness = "2h"${list}` });
  const hub = kit.upstream();
  const image = hub.image("team/app", "v1");
  const first = await kit.repo("hub/team/app").getManifest("v1");
  expect(first.cache).toBe("MISS");
  hub.calls.length = 0;
  return { hub, image, confirmedAt: kit.clock.now };
}

describe("freshness, counted from the upstream's last confirmation", () => {
  test("1 ms before ttl: HIT, nothing sent upstream", async () => {
    const { hub, confirmedAt } = await primed();
    kit.clock.now = confirmedAt + TTL - 1;
    expect((await kit.repo("hub/team/app").getManifest("v1")).cache).toBe("HIT");
    expect(hub.calls).toEqual([]);
  });

  test("at ttl: one HEAD revalidates, and the tag is fresh again from then", async () => {
    const { hub, confirmedAt } = await primed();
    kit.clock.now = confirmedAt + TTL;
    expect((await kit.repo("hub/team/app").getManifest("v1")).cache).toBe("REVALIDATED");
    expect(hub.calls.map((c) => c.method)).toEqual(["HEAD"]);
    kit.clock.now = confirmedAt + 2 * TTL - 1;
    expect((await kit.repo("hub/team/app").getManifest("v1")).cache).toBe("HIT");
    expect(hub.calls).toHaveLength(1);
  });

  test("upstream down: STALE until 1 ms before ttl + staleness, an error from then on", async () => {
    const { hub, confirmedAt, image } = await primed();
    hub.failure = "refused";
    kit.clock.now = confirmedAt + TTL + STALENESS - 1;
    const stale = await kit.repo("hub/team/app").getManifest("v1");
    expect(stale.cache).toBe("STALE");
    expect(stale.upstreamFailure).toBe("refused");
    expect(stale.digest).toBe(image.digest);
    kit.clock.now = confirmedAt + TTL + STALENESS;
    await expect(kit.repo("hub/team/app").getManifest("v1")).rejects.toMatchObject({ name: "UpstreamError", failure: "refused" });
  });

  test("a pull by digest never asks the upstream once cached, however old", async () => {
    const { hub, image } = await primed();
    hub.failure = "refused";
    kit.clock.now += 100 * 365 * 24 * HOUR;
    expect((await kit.repo("hub/team/app").getManifest(image.digest)).cache).toBe("HIT");
    expect(hub.calls).toEqual([]);
  });
});

describe("stale_if_error: each failure class in and out of the list", () => {
  for (const failure of FAILURE_CLASSES) {
    test(`${failure}: STALE when listed, the failure when not`, async () => {
      const { hub, confirmedAt } = await primed([failure]);
      hub.failure = failure;
      kit.clock.now = confirmedAt + TTL;
      expect((await kit.repo("hub/team/app").getManifest("v1")).cache).toBe("STALE");
      await kit.close();
      const others = FAILURE_CLASSES.filter((f) => f !== failure);
      const again = await primed(others);
      again.hub.failure = failure;
      kit.clock.now = again.confirmedAt + TTL;
      await expect(kit.repo("hub/team/app").getManifest("v1")).rejects.toMatchObject({ failure });
    });
  }
});

describe("single-flight", () => {
  test("20 clients asking for one cold tag at once: one upstream GET, the same bytes for all", async () => {
    kit = await cacheKit();
    const hub = kit.upstream();
    const image = hub.image("team/app", "v1");
    let release!: () => void;
    hub.hold = new Promise((r) => (release = r));
    const all = Array.from({ length: 20 }, () => kit.repo("hub/team/app").getManifest("v1"));
    release();
    const results = await Promise.all(all);
    expect(hub.count("manifest", "GET")).toBe(1);
    for (const r of results) expect(r.digest).toBe(image.digest);
  });

  test("20 revalidations of one expired tag at once: one HEAD", async () => {
    const { hub, confirmedAt } = await primed();
    kit.clock.now = confirmedAt + TTL;
    let release!: () => void;
    hub.hold = new Promise((r) => (release = r));
    const all = Array.from({ length: 20 }, () => kit.repo("hub/team/app").getManifest("v1"));
    release();
    for (const r of await Promise.all(all)) expect(r.cache).toBe("REVALIDATED");
    expect(hub.count("manifest", "HEAD")).toBe(1);
    expect(hub.count("manifest", "GET")).toBe(0);
  });
});

describe("an upstream's manifest is checked before it is stored", () => {
  test("bytes that do not hash to the digest the client asked for: invalid-response, nothing stored", async () => {
    kit = await cacheKit();
    const hub = kit.upstream();
    const image = hub.image("team/app", "v1");
    hub.rewrite = (bytes) => new TextEncoder().encode(new TextDecoder().decode(bytes).replace('"schemaVersion":2', '"schemaVersion":2 '));
    hub.announce = () => undefined;
    await expect(kit.repo("hub/team/app").getManifest(image.digest)).rejects.toMatchObject({ name: "UpstreamError", failure: "invalid-response" });
    expect(kit.count("manifests")).toBe(0);
    expect(kit.count("repositories")).toBe(0);
  });

  test("bytes that do not match the upstream's Docker-Content-Digest: invalid-response, nothing stored", async () => {
    kit = await cacheKit();
    const hub = kit.upstream();
    hub.image("team/app", "v1");
    hub.announce = () => `sha256:${"0".repeat(64)}`;
    await expect(kit.repo("hub/team/app").getManifest("v1")).rejects.toMatchObject({ name: "UpstreamError", failure: "invalid-response" });
    expect(kit.count("manifests")).toBe(0);
    expect(kit.count("tags")).toBe(0);
  });

  test("a lying Docker-Content-Digest during revalidation: the cached copy is served STALE (invalid-response is an upstream failure)", async () => {
    const { hub, confirmedAt, image } = await primed(["invalid-response"]);
    hub.image("team/app", "v1"); // the upstream moved the tag …
    hub.announce = () => `sha256:${"1".repeat(64)}`; // … and lies about the new digest
    kit.clock.now = confirmedAt + TTL;
    const out = await kit.repo("hub/team/app").getManifest("v1");
    expect(out.cache).toBe("STALE");
    expect(out.digest).toBe(image.digest);
  });
});

describe("an index's child", () => {
  test("whose size differs from what the index says: invalid-response, the child is not stored", async () => {
    kit = await cacheKit();
    const hub = kit.upstream();
    const child = hub.image("team/app", "child");
    hub.index("team/app", "multi", [child], (c) => c.bytes.byteLength + 1);
    expect((await kit.repo("hub/team/app").getManifest("multi")).cache).toBe("MISS");
    await expect(kit.repo("hub/team/app").getManifest(child.digest)).rejects.toMatchObject({ name: "UpstreamError", failure: "invalid-response" });
    expect(kit.count("manifests")).toBe(1);
  });

  test("of the size the index says: stored", async () => {
    kit = await cacheKit();
    const hub = kit.upstream();
    const child = hub.image("team/app", "child");
    hub.index("team/app", "multi", [child]);
    await kit.repo("hub/team/app").getManifest("multi");
    expect((await kit.repo("hub/team/app").getManifest(child.digest)).cache).toBe("MISS");
    expect(kit.count("manifests")).toBe(2);
  });
});

describe("a pinned tag whose upstream moved", () => {
  test("one HEAD, no GET: the tag keeps its digest and is confirmed", async () => {
    const { hub, confirmedAt, image } = await primed();
    kit.services.immutability.tags.setMark("hub/team/app", "v1", true);
    hub.image("team/app", "v1"); // retagged upstream
    kit.clock.now = confirmedAt + TTL;
    const out = await kit.repo("hub/team/app").getManifest("v1");
    expect(out.digest).toBe(image.digest);
    expect(out.cache).toBe("REVALIDATED");
    expect(hub.calls.map((c) => `${c.method} ${c.kind}`)).toEqual(["HEAD manifest"]);
    expect(kit.count("manifests")).toBe(1);
    // Confirmed: fresh again for a whole ttl.
    kit.clock.now = confirmedAt + 2 * TTL - 1;
    expect((await kit.repo("hub/team/app").getManifest("v1")).cache).toBe("HIT");
  });

  test("without the mark the same retag is fetched (MISS) and the tag moves", async () => {
    const { hub, confirmedAt, image } = await primed();
    const moved = hub.image("team/app", "v1");
    kit.clock.now = confirmedAt + TTL;
    const out = await kit.repo("hub/team/app").getManifest("v1");
    expect(out.cache).toBe("MISS");
    expect(out.digest).toBe(moved.digest);
    expect(out.digest).not.toBe(image.digest);
  });
});
