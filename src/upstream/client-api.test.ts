import { describe, expect, it } from "vitest";
import { MANIFEST_LIMIT } from "./client.ts";
import { clientFor, ociError, serversClosedAfterEach } from "../../test/helpers/test-servers.ts";

const { serve } = serversClosedAfterEach();
const MANIFEST = '{"schemaVersion":2,  "mediaType":"application/vnd.oci.image.manifest.v1+json"}\n';
const OCI = "application/vnd.oci.image.manifest.v1+json";

describe("manifest", () => {
  it("GET returns the bytes exactly as sent, with digest, media type and size", async () => {
    let accept: string | undefined;
    const registry = await serve((req, res) => {
      accept = req.headers.accept;
      res.writeHead(200, { "content-type": `${OCI}; charset=utf-8`, "docker-content-digest": "sha256:abc" });
      res.end(MANIFEST);
    });
    const client = clientFor(`${registry.url}/`);
    const m = await client.manifest("library/app", "v1", "GET", [OCI, "application/vnd.oci.image.index.v1+json"]);
    expect(accept).toBe(`${OCI}, application/vnd.oci.image.index.v1+json`);
    expect(m).toMatchObject({ status: 200, digest: "sha256:abc", mediaType: OCI, size: MANIFEST.length });
    expect(new TextDecoder().decode(m.body)).toBe(MANIFEST);
    await client.close();
  });

  it("HEAD returns the metadata and no body", async () => {
    let path: string | undefined;
    const registry = await serve((req, res) => {
      path = `${req.method} ${req.url}`;
      res.writeHead(200, { "content-type": OCI, "docker-content-digest": "sha256:abc", "content-length": "512" });
      res.end();
    });
    const client = clientFor(registry.url);
    const m = await client.manifest("library/app", "sha256:abc", "HEAD", [OCI]);
    expect(path).toBe("HEAD /v2/library/app/manifests/sha256:abc");
    expect(m).toEqual({ status: 200, digest: "sha256:abc", mediaType: OCI, size: 512 });
    await client.close();
  });

  it("keeps a base path from the upstream URL", async () => {
    let path: string | undefined;
    const registry = await serve((req, res) => {
      path = req.url;
      res.end("{}");
    });
    const client = clientFor(`${registry.url}/mirror/`);
    await client.manifest("a", "latest", "GET", []);
    expect(path).toBe("/mirror/v2/a/manifests/latest");
    await client.close();
  });

  it.each([
    ["announced", true],
    ["chunked", false],
  ])("a manifest over 4 MiB (%s) is an invalid response", async (_label, withLength) => {
    const big = Buffer.alloc(MANIFEST_LIMIT + 1, 0x20);
    const registry = await serve((_req, res) => {
      res.writeHead(200, withLength ? { "content-length": String(big.length) } : {});
      res.end(big);
    });
    const client = clientFor(registry.url);
    const err = await client.manifest("a", "latest", "GET", []).catch((e) => e);
    expect(err.failure).toBe("invalid-response");
    await client.close();
  });

  it("reuses keep-alive connections for successive requests", async () => {
    const ports = new Set<number | undefined>();
    const registry = await serve((req, res) => {
      ports.add(req.socket.remotePort);
      res.end("{}");
    });
    const client = clientFor(registry.url);
    for (let i = 0; i < 6; i++) await client.manifest("a", "latest", "GET", []);
    // undici on Bun marks a connection idle a tick after its body ended, so
    // back-to-back requests alternate between two pooled connections.
    expect(ports.size).toBeLessThanOrEqual(2);
    await client.close();
  });
});

describe("tags", () => {
  it("follows Link pagination", async () => {
    const pages: Record<string, { tags: string[] | null; next?: string }> = {
      "n=10000": { tags: ["1", "2"], next: "/v2/a/tags/list?last=2&n=2" },
      "last=2&n=2": { tags: ["3", "4"], next: "/v2/a/tags/list?last=4&n=2" },
      "last=4&n=2": { tags: ["5"] },
    };
    const registry = await serve((req, res) => {
      const page = pages[new URL(req.url ?? "", "http://x").search.slice(1)];
      res.writeHead(200, { "content-type": "application/json", ...(page.next ? { link: `<${page.next}>; rel="next"` } : {}) });
      res.end(JSON.stringify({ name: "a", tags: page.tags }));
    });
    const client = clientFor(registry.url);
    expect(await client.tags("a")).toEqual({ tags: ["1", "2", "3", "4", "5"], more: false });
    await client.close();
  });

  it("accepts tags: null and stops on a self-referencing link", async () => {
    let hits = 0;
    const registry = await serve((_req, res) => {
      hits++;
      res.writeHead(200, { link: '</v2/a/tags/list?n=10000>; rel="next"' });
      res.end(JSON.stringify({ name: "a", tags: null }));
    });
    const client = clientFor(registry.url);
    expect(await client.tags("a")).toEqual({ tags: [], more: false });
    expect(hits).toBe(1);
    await client.close();
  });

  it("stops after `limit` tags and after maxBytes of bodies, however many pages the upstream offers", async () => {
    let pages = 0;
    const registry = await serve((req, res) => {
      pages++;
      const page = pages;
      res.writeHead(200, { "content-type": "application/json", link: `</v2/a/tags/list?page=${page}>; rel="next"` });
      res.end(JSON.stringify({ name: "a", tags: Array.from({ length: 100 }, (_, i) => `p${page}-${i}`) }));
    });
    const client = clientFor(registry.url);
    const byCount = await client.tags("a", { limit: 250 });
    expect(byCount.tags).toHaveLength(250);
    expect(byCount.more).toBe(true);
    expect(pages).toBe(3);
    pages = 0;
    const byBytes = await client.tags("a", { limit: 1_000_000, maxBytes: 1_500 });
    expect(byBytes.more).toBe(true);
    expect(pages).toBe(2); // a page is about 1 kB: the second crosses 1.5 kB, and no third is asked for
    await client.close();
  });

  it("rejects a malformed tag list", async () => {
    const registry = await serve((_req, res) => res.end('{"tags":[1,2]}'));
    const client = clientFor(registry.url);
    expect((await client.tags("a").catch((e) => e)).failure).toBe("invalid-response");
    await client.close();
  });
});

describe("referrers", () => {
  it("returns the index bytes, or undefined on 404", async () => {
    const index = '{"schemaVersion":2,"manifests":[]}';
    const registry = await serve((req, res) => {
      if (req.url?.endsWith("sha256:none")) return ociError(res, 404, "NOT_FOUND");
      res.writeHead(200, { "content-type": "application/vnd.oci.image.index.v1+json" });
      res.end(index);
    });
    const client = clientFor(registry.url);
    expect(new TextDecoder().decode(await client.referrers("a", "sha256:abc"))).toBe(index);
    expect(await client.referrers("a", "sha256:none")).toBeUndefined();
    await client.close();
  });
});
