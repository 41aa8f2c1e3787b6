// Which repositories are cached and which local: prefixes, ?ns=, default_upstream
// and local_namespaces (a push never shadows an upstream's repository).
import { describe, expect, test } from "vitest";
import { nsNamesOf, resolveTarget } from "./targets.ts";

const route = (name: string, url: string, aliases: string[] = [], remoteNamespace = "") => ({ name, nsNames: nsNamesOf(url, aliases), remoteNamespace });
const upstreams = [route("docker.io", "https://registry-1.docker.io", ["index.docker.io"]), route("quay.io", "https://quay.io")];

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

  test("?ns= by name, by the url's host (with a port when not the default), by an alias; an unknown ns is NAME_UNKNOWN naming it", () => {
    const hub = [...upstreams, route("hub", "http://127.0.0.1:5801")];
    const o = { upstreams: hub, defaultUpstream: "docker.io", localNamespaces: ["myorg"] };
    expect(resolveTarget("library/x", "registry-1.docker.io", false, o)?.localName).toBe("docker.io/library/x");
    expect(resolveTarget("library/x", "index.docker.io", false, o)?.upstream).toBe("docker.io");
    expect(resolveTarget("team/app", "127.0.0.1:5801", false, o)?.localName).toBe("hub/team/app");
    expect(() => resolveTarget("team/app", "127.0.0.1:9999", false, o)).toThrow(/\?ns=127\.0\.0\.1:9999 names no configured upstream/);
  });

  test("remote_namespace: repository X of the upstream is remote_namespace/X at its url", () => {
    const chained = [route("quay.io", "https://hub:5000", [], "quay.io")];
    const t = resolveTarget("quay.io/org/app", undefined, false, { upstreams: chained, defaultUpstream: "", localNamespaces: [] });
    expect(t).toEqual({ upstream: "quay.io", remoteName: "quay.io/org/app", localName: "quay.io/org/app" });
  });
});
