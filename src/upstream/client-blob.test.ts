import { describe, expect, it } from "vitest";
import { UpstreamError } from "./errors.ts";
import { clientFor, drain, failureOf, ociError, type Running, serversClosedAfterEach } from "../../test/helpers/test-servers.ts";

const { serve } = serversClosedAfterEach();
const DIGEST = "sha256:" + "ab".repeat(32);
const creds = `Basic ${Buffer.from("u:p").toString("base64")}`;

/** A registry that wants Basic auth and sends blobs to `cdn` with a 307. */
async function registryRedirectingTo(cdn: Running, hops = 1): Promise<Running> {
  return serve((req, res) => {
    if (req.headers.authorization !== creds) {
      return ociError(res, 401, "UNAUTHORIZED", { "www-authenticate": 'Basic realm="r"' });
    }
    res.writeHead(307, { location: `${cdn.url}/blob/${hops}?sig=abc` });
    res.end();
  });
}

describe("blob redirects", () => {
  it("follows a redirect to another host without the Authorization header", async () => {
    const cdnSaw: { url?: string; auth?: string }[] = [];
    const cdn = await serve((req, res) => {
      cdnSaw.push({ url: req.url, auth: req.headers.authorization });
      res.writeHead(200, { "content-length": "11" });
      res.end("hello layer");
    });
    const registry = await registryRedirectingTo(cdn);
    const client = clientFor(registry.url, { username: "u", password: "p", redirectAllow: [cdn.url] });
    const blob = await client.blob("library/app", DIGEST);
    expect(blob.size).toBe(11);
    expect(await drain(blob.body)).toBe("hello layer");
    expect(cdnSaw).toEqual([{ url: "/blob/1?sig=abc", auth: undefined }]);
    await client.close();
  });

  it("keeps the Authorization header on a same-origin redirect", async () => {
    const seen: (string | undefined)[] = [];
    const registry = await serve((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization !== creds) return ociError(res, 401, "UNAUTHORIZED", { "www-authenticate": 'Basic realm="r"' });
      if (req.url?.startsWith("/v2/")) {
        res.writeHead(302, { location: "/storage/blob" });
        return res.end();
      }
      res.end("local");
    });
    const client = clientFor(registry.url, { username: "u", password: "p" });
    expect(await drain((await client.blob("a", DIGEST)).body)).toBe("local");
    expect(seen).toEqual([undefined, creds, creds]);
    await client.close();
  });

  it("gives up after 5 redirects", async () => {
    let hits = 0;
    const loop = await serve((req, res) => {
      hits++;
      res.writeHead(302, { location: `/hop${hits}` });
      res.end();
    });
    const client = clientFor(loop.url);
    const err = await client.blob("a", DIGEST).catch((e) => e);
    expect(err.failure).toBe("invalid-response");
    expect(hits).toBe(6);
    await client.close();
  });

  it("reports a CDN error by its status", async () => {
    const cdn = await serve((_req, res) => {
      res.writeHead(403, { "content-type": "application/xml" });
      res.end("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>");
    });
    const registry = await registryRedirectingTo(cdn);
    const client = clientFor(registry.url, { username: "u", password: "p", redirectAllow: [cdn.url] });
    const err = await client.blob("a", DIGEST).catch((e) => e);
    expect(err.failure).toBe("http-401/403");
    expect(err.message).not.toContain("expired");
    await client.close();
  });
});

describe("blob streaming", () => {
  it("hands out the first chunk before the upstream has finished sending", async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let finished = false;
    const registry = await serve(async (_req, res) => {
      res.writeHead(200, { "content-length": String(5 + 4) });
      res.write("first");
      await released; // only continue once the client holds the first chunk
      res.end("rest");
      finished = true;
    });
    const client = clientFor(registry.url);
    const blob = await client.blob("a", DIGEST);
    const reader = blob.body.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("first");
    expect(finished).toBe(false);
    release();
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    expect(rest).toBe("rest");
    await client.close();
  });

  it("errors the stream with a timeout when the body stalls", async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(200, { "content-length": "1000" });
      res.write("only a little"); // ...and then nothing, forever
    });
    const client = clientFor(registry.url, { bodyTimeoutMs: 1000 });
    const blob = await client.blob("a", DIGEST);
    const t0 = Date.now();
    const err = await drain(blob.body).catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.failure).toBe("timeout");
    expect(err.message).toContain("body stalled for 1s");
    expect(Date.now() - t0).toBeLessThan(3000);
    await client.close();
  });

  it("errors the stream with reset when the upstream hangs up mid-body", async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(200, { "content-length": "1000" });
      res.write("partial", () => setTimeout(() => res.destroy(), 50));
    });
    const client = clientFor(registry.url);
    const err = await drain((await client.blob("a", DIGEST)).body).catch((e) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.failure).toBe("reset");
    await client.close();
  });

  it("abort() stops the download and frees the upstream connection", async () => {
    let closed!: () => void;
    const socketClosed = new Promise<void>((r) => (closed = r));
    const registry = await serve((req, res) => {
      req.socket.on("close", () => closed());
      res.writeHead(200, { "content-length": "1000000" });
      res.write("x".repeat(1000));
    });
    const client = clientFor(registry.url);
    const blob = await client.blob("a", DIGEST);
    const reader = blob.body.getReader();
    await reader.read();
    blob.abort();
    const err = await reader.read().catch((e) => e);
    expect(err.name).toBe("AbortError");
    await socketClosed;
    await client.close();
  });
});

describe("redirects into the site", () => {
  it("refuses a redirect to another loopback origin and never contacts it", async () => {
    let internalHits = 0;
    const internal = await serve((_req, res) => {
      internalHits++;
      res.end('{"secret":"internal"}');
    });
    const registry = await serve((_req, res) => {
      res.writeHead(302, { location: `${internal.url}/admin` });
      res.end();
    });
    const client = clientFor(registry.url);
    const err = await failureOf(client.blob("a", DIGEST));
    expect(err.failure).toBe("invalid-response");
    expect(err.message).toContain(`refusing ${internal.url}`);
    expect(internalHits).toBe(0);
    await client.close();
  });

  it("checks the address connected to, not the name: localhost is loopback too", async () => {
    let internalHits = 0;
    const internal = await serve((_req, res) => {
      internalHits++;
      res.end("internal");
    });
    const registry = await serve((_req, res) => {
      res.writeHead(307, { location: `http://localhost:${internal.port}/x` });
      res.end();
    });
    const client = clientFor(registry.url);
    const err = await failureOf(client.blob("a", DIGEST));
    expect(err.message).toMatch(/loopback address/);
    expect(internalHits).toBe(0);
    await client.close();
  });

  it("refuses a redirect to a scheme other than http and https", async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(302, { location: "file:///etc/passwd" });
      res.end();
    });
    const client = clientFor(registry.url);
    expect((await failureOf(client.blob("a", DIGEST))).message).toContain("refusing file: URL");
    await client.close();
  });
});
