import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProbe } from "./probe.ts";

// A plain-HTTP stand-in: /ok answers 206, /full 200 with a body it never finishes,
// /hang never answers, anything else 403. The TLS path is exercised by test/squid.
let server: Server;
let base: string;
const seen: { method: string; range?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method!, range: req.headers.range });
    if (req.url!.startsWith("/hang")) return;
    if (req.url!.startsWith("/full")) {
      res.writeHead(200, { "content-length": String(1 << 30) });
      res.write(Buffer.alloc(1 << 16));
      return;
    }
    res.writeHead(req.url!.startsWith("/ok") ? 206 : 403).end("x");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe("createProbe", () => {
  const never = new AbortController().signal;

  it("sends GET with Range: bytes=0-0 and accepts 206", async () => {
    const p = createProbe({ timeoutMs: 2000 });
    seen.length = 0;
    expect(await p.probe(`${base}/ok?X-Amz-Signature=a`, never)).toBe(true);
    expect(seen).toEqual([{ method: "GET", range: "bytes=0-0" }]);
    await p.close();
  });

  it("accepts a 200 without reading its body", async () => {
    const p = createProbe({ timeoutMs: 2000 });
    const t = Date.now();
    expect(await p.probe(`${base}/full`, never)).toBe(true);
    expect(Date.now() - t).toBeLessThan(1500);
    await p.close();
  });

  it("refuses 403 and reports it without the query string", async () => {
    const failures: string[] = [];
    const p = createProbe({ timeoutMs: 2000, onFailure: (w) => failures.push(w) });
    expect(await p.probe(`${base}/denied?X-Amz-Signature=secret`, never)).toBe(false);
    expect(failures).toEqual([`${base}/denied answered 403`]);
    await p.close();
  });

  it("gives up after its timeout and on a closed port", async () => {
    const p = createProbe({ timeoutMs: 300 });
    const t = Date.now();
    expect(await p.probe(`${base}/hang`, never)).toBe(false);
    expect(Date.now() - t).toBeLessThan(2000);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    expect(await p.probe(`http://127.0.0.1:${port}/ok`, never)).toBe(false);
    await p.close();
  });

  it("stops when the caller aborts", async () => {
    const p = createProbe({ timeoutMs: 10_000 });
    const stop = new AbortController();
    const pending = p.probe(`${base}/hang`, stop.signal);
    setTimeout(() => stop.abort(), 50);
    expect(await pending).toBe(false);
    await p.close();
  });
});
