// Blob bodies through the runtime's native client (Platform.upstreamFetch, issue 16): only a
// blob GET from the upstream's own origin takes it; redirects elsewhere, manifests and every
// other request stay on undici (whose connector checks peer addresses). The timeouts, error
// classes, auth and TLS settings must be those of the undici path.
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bunUpstreamFetch } from "../platform/upstream-fetch-bun.ts";
import type { UpstreamFetch } from "../platform/types.ts";
import { UpstreamError } from "./errors.ts";
import { clientFor, drain, failureOf, httpsServer, ociError, type Running, selfSignedCert, serversClosedAfterEach, tcpServer } from "../../test/helpers/test-servers.ts";
import type { UpstreamClientOptions } from "./client.ts";

const { serve, keep } = serversClosedAfterEach();
const DIGEST = "sha256:" + "ab".repeat(32);

/** The native client, with the URLs it was asked for. */
function spied(): { fetch: UpstreamFetch; urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    fetch: (url, init) => {
      urls.push(url.href);
      return bunUpstreamFetch(url, init);
    },
  };
}

function nativeClient(url: string, more: Partial<UpstreamClientOptions> = {}) {
  const native = spied();
  return { native, client: clientFor(url, { nativeFetch: native.fetch, ...more }) };
}

describe("native blob bodies: which requests take them", () => {
  it("a blob GET from the upstream's own origin goes native, bytes and size as sent", async () => {
    const body = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    const registry = await serve((_req, res) => {
      res.writeHead(200, { "content-length": String(body.byteLength) });
      res.end(body);
    });
    const { native, client } = nativeClient(registry.url);
    const blob = await client.blob("library/app", DIGEST);
    expect(blob.size).toBe(body.byteLength);
    const got = Buffer.from(await new Response(blob.body).arrayBuffer());
    expect(got.equals(body)).toBe(true);
    expect(native.urls).toEqual([`${registry.url}/v2/library/app/blobs/${DIGEST}`]);
    await client.close();
  });

  it("manifests, blob HEADs and tag lists stay on undici", async () => {
    const registry = await serve((req, res) => {
      if (req.url?.includes("/tags/")) return res.end('{"tags":["a"]}');
      res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json", "docker-content-digest": "sha256:aa", "content-length": "2" });
      res.end(req.method === "HEAD" ? undefined : "{}");
    });
    const { native, client } = nativeClient(registry.url);
    await client.manifest("a", "latest", "GET", []);
    await client.blobSize("a", DIGEST);
    await client.tags("a");
    expect(native.urls).toEqual([]);
    await client.close();
  });

  it("stores a gzip-encoded body exactly as sent: no decompression, and asks for identity", async () => {
    const zipped = gzipSync(Buffer.from("a layer that must stay compressed"));
    let acceptEncoding: string | undefined;
    const registry = await serve((req, res) => {
      acceptEncoding = req.headers["accept-encoding"];
      res.writeHead(200, { "content-length": String(zipped.byteLength), "content-encoding": "gzip" });
      res.end(zipped);
    });
    const { client } = nativeClient(registry.url);
    const got = Buffer.from(await new Response((await client.blob("a", DIGEST)).body).arrayBuffer());
    expect(got.equals(zipped)).toBe(true);
    expect(acceptEncoding).toBe("identity");
    await client.close();
  });

  it("a redirect to a CDN is followed on undici, without the Authorization header", async () => {
    const cdnSaw: (string | undefined)[] = [];
    const cdn = await serve((req, res) => {
      cdnSaw.push(req.headers.authorization);
      res.end("hello layer");
    });
    const creds = `Basic ${Buffer.from("u:p").toString("base64")}`;
    const registry = await serve((req, res) => {
      if (req.headers.authorization !== creds) return ociError(res, 401, "UNAUTHORIZED", { "www-authenticate": 'Basic realm="r"' });
      res.writeHead(307, { location: `${cdn.url}/blob?sig=abc` });
      res.end();
    });
    const { native, client } = nativeClient(registry.url, { username: "u", password: "p", redirectAllow: [cdn.url] });
    expect(await drain((await client.blob("a", DIGEST)).body)).toBe("hello layer");
    // The 401 and the authorised retry went native (own origin); the CDN was not asked natively.
    expect(native.urls.every((u) => u.startsWith(registry.url))).toBe(true);
    expect(native.urls).toHaveLength(2);
    expect(cdnSaw).toEqual([undefined]);
    await client.close();
  });

  it("a redirect into the site is refused and never contacted, as on undici", async () => {
    let internalHits = 0;
    const internal = await serve((_req, res) => {
      internalHits++;
      res.end("internal");
    });
    const registry = await serve((_req, res) => {
      res.writeHead(307, { location: `http://localhost:${internal.port}/x` });
      res.end();
    });
    const { client } = nativeClient(registry.url);
    const err = await failureOf(client.blob("a", DIGEST));
    expect(err.message).toMatch(/loopback address/);
    expect(internalHits).toBe(0);
    await client.close();
  });

  it("a non-200 answer is an error and its body is not passed on", async () => {
    const registry = await serve((_req, res) => ociError(res, 404, "BLOB_UNKNOWN"));
    const { native, client } = nativeClient(registry.url);
    const err = await failureOf(client.blob("a", DIGEST));
    expect(err.failure).toBe("http-404");
    expect(err.message).not.toContain("secret");
    expect(native.urls).toHaveLength(1);
    await client.close();
  });
});

describe("native blob bodies: failures and timeouts", () => {
  it("timeout: a server that accepts and never answers", async () => {
    const hang = await keep(await tcpServer(() => {}));
    const { client } = nativeClient(hang.url, { connectTimeoutMs: 300, headersTimeoutMs: 700 });
    const err = await failureOf(client.blob("a", DIGEST));
    expect(err.failure).toBe("timeout");
    expect(err.message).toBe('upstream "test" failed: timeout (no response headers within 1s (connect_timeout + timeout))');
    await client.close();
  });

  it("timeout: the body stalls", async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(200, { "content-length": "1000" });
      res.write("only a little"); // ...and then nothing, forever
    });
    const { client } = nativeClient(registry.url, { bodyTimeoutMs: 500 });
    const err = await drain((await client.blob("a", DIGEST)).body).catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.failure).toBe("timeout");
    expect(err.message).toContain("body stalled for 0.5s");
    await client.close();
  });

  it("reset: the upstream hangs up mid-body", async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(200, { "content-length": "1000" });
      res.write("partial", () => setTimeout(() => res.destroy(), 50));
    });
    const { client } = nativeClient(registry.url);
    const err = await drain((await client.blob("a", DIGEST)).body).catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.failure).toBe("reset");
    await client.close();
  });

  it("refused: nothing listens", async () => {
    const closed = await keep(await tcpServer(() => {}));
    await closed.close();
    const { client } = nativeClient(closed.url);
    expect((await failureOf(client.blob("a", DIGEST))).failure).toBe("refused");
    await client.close();
  });

  it("abort() stops the download and closes the upstream connection", async () => {
    let closed!: () => void;
    const socketClosed = new Promise<void>((r) => (closed = r));
    const registry = await serve((req, res) => {
      req.socket.on("close", () => closed());
      res.writeHead(200, { "content-length": "1000000" });
      res.write("x".repeat(1000));
    });
    const { client } = nativeClient(registry.url);
    const blob = await client.blob("a", DIGEST);
    const reader = blob.body.getReader();
    await reader.read();
    blob.abort();
    const err = await reader.read().catch((e) => e);
    expect(err.name).toBe("AbortError");
    await socketClosed;
    await client.close();
  });

  it("hands out the first chunk before the upstream has finished sending", async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let finished = false;
    const registry = await serve(async (_req, res) => {
      res.writeHead(200, { "content-length": "9" });
      res.write("first");
      await released;
      res.end("rest");
      finished = true;
    });
    const { client } = nativeClient(registry.url);
    const reader = (await client.blob("a", DIGEST)).body.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("first");
    expect(finished).toBe(false);
    release();
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    expect(rest).toBe("rest");
    await client.close();
  });
});

describe("native blob bodies: TLS settings as on undici", () => {
  let cert: { key: string; cert: string };
  let registry: Running;
  beforeAll(async () => {
    cert = selfSignedCert();
    registry = await httpsServer(cert, (_req, res) => res.end("tls layer"));
  });
  afterAll(() => registry.close());

  it("rejects a self-signed certificate", async () => {
    const { native, client } = nativeClient(registry.url, { insecure: false });
    expect((await failureOf(client.blob("a", DIGEST))).failure).toBe("tls");
    expect(native.urls).toHaveLength(1);
    await client.close();
  });

  it("trusts it once its CA is configured", async () => {
    const { client } = nativeClient(registry.url, { insecure: false, caPem: cert.cert });
    expect(await drain((await client.blob("a", DIGEST)).body)).toBe("tls layer");
    await client.close();
  });

  it("skips verification when insecure", async () => {
    const { client } = nativeClient(registry.url, { insecure: true });
    expect(await drain((await client.blob("a", DIGEST)).body)).toBe("tls layer");
    await client.close();
  });
});
