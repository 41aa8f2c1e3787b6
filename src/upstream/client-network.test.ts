import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientFor, closedPort, httpServer, httpsServer, selfSignedCert, tcpServer, type Running, serversClosedAfterEach, failureOf } from "../../test/helpers/test-servers.ts";

const { keep } = serversClosedAfterEach();

describe("network failures", () => {
  it("refused: nothing listens on the port", async () => {
    const client = clientFor(`http://127.0.0.1:${await closedPort()}`);
    const err = await failureOf(client.manifest("a", "latest", "HEAD", []));
    expect(err.failure).toBe("refused");
    expect(err.upstream).toBe("test");
    expect(err.message).toMatch(/^upstream "test" failed: refused \(/);
    await client.close();
  });

  it("timeout: a server that accepts and never answers fails within headersTimeout", async () => {
    const hang = await keep(await tcpServer(() => {}));
    const client = clientFor(hang.url, { headersTimeoutMs: 1000 });
    const t0 = Date.now();
    const err = await failureOf(client.manifest("a", "latest", "GET", []));
    const elapsed = Date.now() - t0;
    expect(err.failure).toBe("timeout");
    expect(err.message).toBe('upstream "test" failed: timeout (no response headers within 1s)');
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(3000);
    await client.close();
  });

  it("reset: the server closes the connection instead of answering", async () => {
    const closer = await keep(await tcpServer((s) => s.once("data", () => s.destroy())));
    const client = clientFor(closer.url);
    expect((await failureOf(client.blob("a", "sha256:00"))).failure).toBe("reset");
    await client.close();
  });

  it("reset: the server sends a TCP RST", async () => {
    const rst = await keep(await tcpServer((s) => s.once("data", () => s.resetAndDestroy())));
    const client = clientFor(rst.url);
    const err = await failureOf(client.manifest("a", "latest", "GET", []));
    expect(err.failure).toBe("reset");
    expect(err.message).toContain("ECONNRESET");
    await client.close();
  });

  it("invalid-response: the server does not speak HTTP", async () => {
    const junk = await keep(await tcpServer((s) => s.once("data", () => s.end("SSH-2.0-OpenSSH_9.6\r\n\r\n"))));
    const client = clientFor(junk.url);
    expect((await failureOf(client.tags("a"))).failure).toBe("invalid-response");
    await client.close();
  });

  it("dns: a name that cannot resolve", async () => {
    // One lookup of a reserved name (RFC 6761); never loop on the resolver.
    const client = clientFor("https://regcache-upstream-test.invalid", { insecure: false });
    const err = await failureOf(client.manifest("a", "latest", "HEAD", []));
    expect(err.failure).toBe("dns");
    await client.close();
  });

  it("refuses a plain-HTTP upstream unless it is marked insecure", () => {
    expect(() => clientFor("http://127.0.0.1:1", { insecure: false })).toThrow(/insecure/);
  });
});

describe("TLS", () => {
  let cert: { key: string; cert: string };
  let registry: Running;
  beforeAll(async () => {
    cert = selfSignedCert();
    registry = await httpsServer(cert, (req, res) => {
      if (req.url?.includes("/blobs/")) {
        res.writeHead(307, { location: "http://127.0.0.1:9/plain" });
        return res.end();
      }
      res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json", "docker-content-digest": "sha256:aa" });
      res.end("{}");
    });
  });
  afterAll(() => registry.close());

  it("tls: a self-signed certificate is rejected", async () => {
    const client = clientFor(registry.url, { insecure: false });
    const err = await failureOf(client.manifest("a", "latest", "GET", []));
    expect(err.failure).toBe("tls");
    await client.close();
  });

  it("trusts the certificate once its CA is configured", async () => {
    const client = clientFor(registry.url, { insecure: false, caPem: cert.cert });
    const m = await client.manifest("a", "latest", "GET", []);
    expect(m.digest).toBe("sha256:aa");
    await client.close();
  });

  it("skips verification when insecure", async () => {
    const client = clientFor(registry.url, { insecure: true });
    expect((await client.manifest("a", "latest", "HEAD", [])).status).toBe(200);
    await client.close();
  });

  it("does not follow a redirect from https to plain http unless insecure", async () => {
    const client = clientFor(registry.url, { insecure: false, caPem: cert.cert });
    const err = await failureOf(client.blob("a", "sha256:00"));
    expect(err.failure).toBe("invalid-response");
    await client.close();
  });

  it("tls: speaking TLS to a plain HTTP server", async () => {
    const plain = await keep(await httpServer((_req, res) => res.end("{}")));
    const client = clientFor(plain.url.replace("http:", "https:"), { insecure: false });
    expect((await failureOf(client.manifest("a", "latest", "GET", []))).failure).toBe("tls");
    await client.close();
  });
});
