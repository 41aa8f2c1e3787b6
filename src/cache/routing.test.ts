// Chained caches, content filters and containerd's ?ns= (issue 13), in process
// with a fake upstream: what reaches the upstream, and what is refused before.
import { afterEach, describe, expect, test } from "vitest";
import { cacheKit, type CacheKit } from "../../test/helpers/cache-kit.ts";

let kit: CacheKit;
afterEach(async () => kit?.close());

describe("remote_namespace", () => {
  test("repository X of the upstream is asked for as remote_namespace/X; stored under the local name", async () => {
    kit = await cacheKit({ upstreamToml: `remote_namespace = "quay.io"` });
    const hub = kit.upstream();
    const image = hub.image("quay.io/team/app", "v1");
    const m = await kit.repo("hub/team/app").getManifest("v1");
    expect(m.digest).toBe(image.digest);
    expect(hub.calls.map((c) => c.repo)).toEqual(["quay.io/team/app"]);
    const blob = await kit.repo("hub/team/app").getBlob(image.layer.digest, { head: true, range: false });
    expect(blob.size).toBe(image.layer.bytes.byteLength);
    expect(hub.calls.at(-1)!.repo).toBe("quay.io/team/app");
    expect(kit.pt.target("hub", "hub/team/app").remoteName).toBe("quay.io/team/app");
  });
});

describe("allow and deny", () => {
  test("a denied repository is 403 DENIED naming the rule, with zero upstream requests", async () => {
    kit = await cacheKit({ upstreamToml: `allow = ["library/*", "team/**"]\ndeny = ["team/secret/**"]` });
    const hub = kit.upstream();
    hub.image("team/secret/app", "v1");
    await expect(kit.repo("hub/team/secret/app").getManifest("v1")).rejects.toMatchObject({ name: "Denied", message: expect.stringMatching(/deny rule "team\/secret\/\*\*"/) });
    await expect(kit.repo("hub/other/app").getManifest("v1")).rejects.toMatchObject({ name: "Denied", message: expect.stringMatching(/no allow rule matches/) });
    await expect(kit.repo("hub/library/a/b").tags(10, undefined)).rejects.toMatchObject({ name: "Denied" }); // * stays within a component
    await expect(kit.pt.blobs.fetch(kit.target("hub/other/app"), `sha256:${"c".repeat(64)}`)).rejects.toMatchObject({ name: "Denied" });
    expect(hub.calls).toEqual([]);
  });

  test("an allowed repository is pulled as usual", async () => {
    kit = await cacheKit({ upstreamToml: `allow = ["team/**"]\ndeny = ["team/secret/**"]` });
    const image = kit.upstream().image("team/deep/app", "v1");
    expect((await kit.repo("hub/team/deep/app").getManifest("v1")).digest).toBe(image.digest);
  });
});

describe("containerd's ?ns=", () => {
  test("the url's host (with its port) and an alias name the upstream; an unknown ns is NAME_UNKNOWN naming it", async () => {
    kit = await cacheKit({ upstreamToml: `aliases = ["registry.example"]` });
    const resolve = kit.services.http.repositories;
    expect(resolve("team/app", "hub.invalid", false).name).toBe("hub/team/app");
    expect(resolve("team/app", "registry.example", false).name).toBe("hub/team/app");
    expect(() => resolve("team/app", "127.0.0.1:5801", false)).toThrow(/\?ns=127\.0\.0\.1:5801 names no configured upstream/);
  });
});

describe("mirrors", () => {
  const M1 = "https://hub1.invalid";
  const M2 = "https://hub2.invalid";

  test("tried in order before the url; a failed mirror is skipped until its back-off passed, then probed once", async () => {
    kit = await cacheKit({ mirrors: [M1, M2], upstreamToml: `ttl = "0s"\nmirror_backoff = "30s"` });
    const dead = kit.mirror(M1);
    const hub = kit.mirror(M2);
    const origin = kit.upstream();
    dead.failure = "refused";
    const image = hub.image("team/app", "v1");
    expect((await kit.repo("hub/team/app").getManifest("v1")).digest).toBe(image.digest);
    expect(dead.calls).toHaveLength(1);
    expect(origin.calls).toHaveLength(0);
    // ttl 0s: each pull revalidates; the dead mirror's circuit is open, so only the second is asked.
    for (let i = 0; i < 5; i++) expect((await kit.repo("hub/team/app").getManifest("v1")).cache).toBe("REVALIDATED");
    expect(dead.calls).toHaveLength(1);
    kit.clock.now += 30_000;
    await kit.repo("hub/team/app").getManifest("v1");
    expect(dead.calls).toHaveLength(2);
    expect(kit.logs.filter((l) => l.msg === "mirror failed; skipping it")).toHaveLength(2);
    expect(kit.services.metrics.render()).toMatch(/regcache_upstream_mirror_open\{mirror="https:\/\/hub1.invalid",upstream="hub"\} 1/);
  });

  test("every mirror failing or missing the image: the url answers; digests are verified whoever answered", async () => {
    kit = await cacheKit({ mirrors: [M1, M2] });
    kit.mirror(M1).failure = "http-5xx";
    const image = kit.upstream().image("team/app", "v1");
    expect((await kit.repo("hub/team/app").getManifest("v1")).digest).toBe(image.digest); // M2 has nothing: 404, passed over
    const liar = kit.mirror(M2);
    liar.image("team/app", "v2");
    liar.announce = () => `sha256:${"0".repeat(64)}`;
    await expect(kit.repo("hub/team/app").getManifest("v2")).rejects.toMatchObject({ failure: "invalid-response" });
  });
});
