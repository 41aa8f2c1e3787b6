// Which repositories are cached and which local: prefixes, ?ns=, default_upstream
// and local_namespaces (a push never shadows an upstream's repository).
import { describe, expect, test } from "vitest";
import { resolveTarget } from "./targets.ts";

const upstreams = ["docker.io", "quay.io"];

describe("resolveTarget", () => {
  test("an upstream prefix or ?ns= names the upstream", () => {
    expect(resolveTarget("quay.io/org/app", undefined, false, { upstreams, defaultUpstream: "", localNamespaces: [] })).toEqual({ upstream: "quay.io", remoteName: "org/app", localName: "quay.io/org/app" });
    expect(resolveTarget("org/app", "quay.io", false, { upstreams, defaultUpstream: "", localNamespaces: [] })?.localName).toBe("quay.io/org/app");
  });

  test("without default_upstream, other names are local, for reads and pushes", () => {
    expect(resolveTarget("library/small", undefined, false, { upstreams, defaultUpstream: "", localNamespaces: [] })).toBeUndefined();
    expect(resolveTarget("library/small", undefined, true, { upstreams, defaultUpstream: "", localNamespaces: [] })).toBeUndefined();
  });

  test("with default_upstream: reads go upstream, a push outside local_namespaces is DENIED naming both", () => {
    const o = { upstreams, defaultUpstream: "docker.io", localNamespaces: ["myorg", "ci"] };
    expect(resolveTarget("library/small", undefined, false, o)?.localName).toBe("docker.io/library/small");
    expect(() => resolveTarget("library/small", undefined, true, o)).toThrow(/default upstream "docker.io".*myorg\/, ci\/.*local_namespaces/);
    expect(resolveTarget("myorg/app", undefined, true, o)).toBeUndefined();
    expect(resolveTarget("myorg/app", undefined, false, o)).toBeUndefined();
    expect(resolveTarget("ci", undefined, true, o)).toBeUndefined();
  });

  test("with default_upstream and no local_namespaces, nothing without a prefix is pushable", () => {
    expect(() => resolveTarget("myorg/app", undefined, true, { upstreams, defaultUpstream: "docker.io", localNamespaces: [] })).toThrow(/local_namespaces/);
  });
});
