import { describe, expect, it } from "vitest";
import { IcapError } from "./errors.ts";
import { parseHttpRequestHead, withoutAuthorization } from "./http.ts";
import { parseEncapsulated, parseIcapHead } from "./message.ts";

const status = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof IcapError ? e.status : -1;
  }
  return 0;
};

describe("parseIcapHead", () => {
  it("reads method, service path and headers", () => {
    const req = parseIcapHead(
      "REQMOD icap://127.0.0.1:1344/regcache?x=1 ICAP/1.0\r\nHost: 127.0.0.1:1344\r\nAllow: 204\r\nallow: trailers\r\nEncapsulated: req-hdr=0, null-body=120",
    );
    expect(req.method).toBe("REQMOD");
    expect(req.path).toBe("/regcache");
    expect(req.headers.get("allow")).toBe("204, trailers");
    expect(req.encapsulated).toEqual([
      { name: "req-hdr", offset: 0 },
      { name: "null-body", offset: 120 },
    ]);
  });
  it("rejects malformed request lines, URIs, versions and header lines", () => {
    expect(status(() => parseIcapHead("GARBAGE"))).toBe(400);
    expect(status(() => parseIcapHead("REQMOD http://x/ ICAP/1.0"))).toBe(400);
    expect(status(() => parseIcapHead("REQMOD icap://x/ ICAP/2.0"))).toBe(505);
    expect(status(() => parseIcapHead("OPTIONS icap://x/ ICAP/1.0\r\nno colon here"))).toBe(400);
  });
});

describe("parseEncapsulated", () => {
  it("accepts the usual shapes", () => {
    expect(parseEncapsulated("null-body=0")).toEqual([{ name: "null-body", offset: 0 }]);
    expect(parseEncapsulated("req-hdr=0,req-body=412").map((p) => p.name)).toEqual(["req-hdr", "req-body"]);
  });
  it("rejects unknown names, bad numbers, decreasing offsets and a misplaced body", () => {
    for (const bad of ["", "req-hdr=0", "foo=0", "req-hdr=x, null-body=1", "req-hdr=0, null-body=0", "req-hdr=5, null-body=9", "req-body=0, req-hdr=10", "null-body=0, null-body=1"]) {
      expect(status(() => parseEncapsulated(bad)), bad).toBe(400);
    }
  });
});

describe("the encapsulated HTTP head", () => {
  const raw = (s: string) => Buffer.from(s, "latin1");
  it("finds the host in an absolute URI or the Host header, and Authorization", () => {
    const abs = parseHttpRequestHead(raw("GET https://CDN01.quay.io:443/a HTTP/1.1\r\nHost: other\r\nAuthorization: Bearer a\r\n\r\n"));
    expect(abs).toMatchObject({ method: "GET", host: "cdn01.quay.io", url: "https://CDN01.quay.io:443/a", hasAuthorization: true });
    const rel = parseHttpRequestHead(raw("GET /a HTTP/1.1\r\nhost: cdn.quay.io:8443\r\n\r\n"));
    expect(rel).toMatchObject({ host: "cdn.quay.io", url: "https://cdn.quay.io:8443/a", hasAuthorization: false });
  });
  it("removes every Authorization header and its continuation lines, nothing else", () => {
    const head = parseHttpRequestHead(
      raw("GET https://cdn.quay.io/a HTTP/1.1\r\nHost: cdn.quay.io\r\nauthorization: Bearer a\r\n  continued\r\nProxy-Authorization: x\r\nAUTHORIZATION: Basic b\r\nAccept: */*\r\n\r\n"),
    );
    expect(withoutAuthorization(head).toString("latin1")).toBe(
      "GET https://cdn.quay.io/a HTTP/1.1\r\nHost: cdn.quay.io\r\nProxy-Authorization: x\r\nAccept: */*\r\n\r\n",
    );
  });
  it("rejects a head without its empty line or with a bad request line", () => {
    expect(status(() => parseHttpRequestHead(raw("GET / HTTP/1.1\r\n")))).toBe(400);
    expect(status(() => parseHttpRequestHead(raw("GET\r\n\r\n")))).toBe(400);
  });
});
