import { describe, expect, it } from "vitest";
import { clientFor, ociError, serversClosedAfterEach, failureOf } from "../../test/helpers/test-servers.ts";

const { serve } = serversClosedAfterEach();

describe("HTTP status failures", () => {
  it("429 with Retry-After: later requests fail fast without contacting the upstream", async () => {
    let hits = 0;
    const registry = await serve((_req, res) => {
      hits++;
      ociError(res, 429, "TOOMANYREQUESTS", { "retry-after": "2" });
    });
    const client = clientFor(registry.url);
    const first = await failureOf(client.manifest("a", "latest", "GET", []));
    expect([first.failure, first.status, first.retryAfterSeconds]).toEqual(["http-429", 429, 2]);
    expect(first.message).toContain("TOOMANYREQUESTS");

    const t0 = Date.now();
    const again = await failureOf(client.blob("b", "sha256:00"));
    expect(Date.now() - t0).toBeLessThan(100);
    expect(again.failure).toBe("http-429");
    expect(again.retryAfterSeconds).toBeGreaterThan(0);
    expect(again.retryAfterSeconds).toBeLessThanOrEqual(2);
    expect(hits).toBe(1);

    await new Promise((r) => setTimeout(r, 2100));
    await failureOf(client.tags("a"));
    expect(hits).toBe(2); // the deadline passed: contacted again
    await client.close();
  });

  it("429 with an HTTP-date Retry-After", async () => {
    const registry = await serve((_req, res) =>
      ociError(res, 429, "TOOMANYREQUESTS", { "retry-after": new Date(Date.now() + 60_000).toUTCString() }),
    );
    const client = clientFor(registry.url);
    const err = await failureOf(client.manifest("a", "latest", "GET", []));
    expect(err.retryAfterSeconds).toBeGreaterThanOrEqual(58);
    expect(err.retryAfterSeconds).toBeLessThanOrEqual(60);
    await client.close();
  });

  it("429 without Retry-After does not block later requests", async () => {
    let hits = 0;
    const registry = await serve((_req, res) => {
      hits++;
      ociError(res, 429, "TOOMANYREQUESTS");
    });
    const client = clientFor(registry.url);
    await failureOf(client.manifest("a", "latest", "GET", []));
    await failureOf(client.manifest("a", "latest", "GET", []));
    expect(hits).toBe(2);
    await client.close();
  });

  it("503 is http-5xx, named by its OCI code and never by the upstream's text", async () => {
    const registry = await serve((_req, res) => ociError(res, 503, "UNAVAILABLE"));
    const client = clientFor(registry.url);
    const err = await failureOf(client.manifest("a", "latest", "GET", []));
    expect(err.message).toBe('upstream "test" failed: http-5xx (HTTP 503 UNAVAILABLE)');
    expect(err.status).toBe(503);
    await client.close();
  });

  it("404 is http-404; an HTML error page adds nothing to the message", async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<html><body>secret upstream text</body></html>");
    });
    const client = clientFor(registry.url);
    const err = await failureOf(client.manifest("a", "nope", "GET", []));
    expect(err.failure).toBe("http-404");
    expect(err.message).toBe('upstream "test" failed: http-404 (HTTP 404)');
    await client.close();
  });

  it("an unexpected status is an invalid response", async () => {
    const registry = await serve((_req, res) => ociError(res, 400, "NAME_INVALID"));
    const client = clientFor(registry.url);
    expect((await failureOf(client.tags("a"))).failure).toBe("invalid-response");
    await client.close();
  });
});
