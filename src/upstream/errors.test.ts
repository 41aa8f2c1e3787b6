import { describe, expect, it } from "vitest";
import { classifyError, toUpstreamError, UpstreamError } from "./errors.ts";
import { ociErrorCode, statusError } from "./status-error.ts";

const err = (code: string, name = "Error"): Error => Object.assign(new Error(code), { code, name });
const timeouts = { connectTimeoutMs: 5000, headersTimeoutMs: 30000, bodyTimeoutMs: 1500 };

describe("classifyError", () => {
  it.each([
    ["ECONNREFUSED", "refused"],
    ["ECONNRESET", "reset"],
    ["EPIPE", "reset"],
    ["UND_ERR_SOCKET", "reset"],
    ["ENOTFOUND", "dns"],
    ["EAI_AGAIN", "dns"],
    ["UND_ERR_CONNECT_TIMEOUT", "timeout"],
    ["UND_ERR_HEADERS_TIMEOUT", "timeout"],
    ["UND_ERR_BODY_TIMEOUT", "timeout"],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "tls"],
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "tls"],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "tls"],
    ["ERR_SSL_WRONG_VERSION_NUMBER", "tls"],
    ["CERT_HAS_EXPIRED", "tls"],
    ["HPE_INVALID_CONSTANT", "invalid-response"],
  ])("%s → %s", (code, failure) => {
    expect(classifyError(err(code))).toBe(failure);
  });

  it("looks through causes and names", () => {
    expect(classifyError(new Error("fetch failed", { cause: err("ECONNREFUSED") }))).toBe("refused");
    expect(classifyError(Object.assign(new Error("x"), { name: "HTTPParserError" }))).toBe("invalid-response");
    expect(classifyError(Object.assign(new Error("x"), { name: "DNSException" }))).toBe("dns");
    expect(classifyError(new UpstreamError("u", "http-5xx", "HTTP 502"))).toBe("http-5xx");
    expect(classifyError("weird")).toBe("invalid-response");
  });

  it("says which timeout fired", () => {
    expect(toUpstreamError("docker.io", err("UND_ERR_HEADERS_TIMEOUT"), timeouts).message).toBe(
      'upstream "docker.io" failed: timeout (no response headers within 30s)',
    );
    expect(toUpstreamError("q", err("UND_ERR_BODY_TIMEOUT"), timeouts).message).toContain("body stalled for 1.5s");
    expect(toUpstreamError("q", err("UND_ERR_CONNECT_TIMEOUT"), timeouts).message).toContain("no connection within 5s");
  });
});

describe("statusError", () => {
  const body = (o: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(o));

  it("names the OCI code but never the upstream's message", () => {
    const e = statusError({ upstream: "u", status: 404, body: body({ errors: [{ code: "MANIFEST_UNKNOWN", message: "<script>" }] }) });
    expect(e.failure).toBe("http-404");
    expect(e.status).toBe(404);
    expect(e.message).toBe('upstream "u" failed: http-404 (HTTP 404 MANIFEST_UNKNOWN)');
    expect(ociErrorCode(body({ errors: [{ code: "<b>bad</b>" }] }))).toBeUndefined();
    expect(ociErrorCode(new TextEncoder().encode("<html>oops</html>"))).toBeUndefined();
  });

  it("classifies statuses", () => {
    expect(statusError({ upstream: "u", status: 401 }).failure).toBe("http-401/403");
    expect(statusError({ upstream: "u", status: 403 }).failure).toBe("http-401/403");
    expect(statusError({ upstream: "u", status: 503 }).failure).toBe("http-5xx");
    expect(statusError({ upstream: "u", status: 400 }).failure).toBe("invalid-response");
    const e = statusError({ upstream: "u", status: 429, retryAfter: "7" });
    expect([e.failure, e.retryAfterSeconds]).toEqual(["http-429", 7]);
  });
});
