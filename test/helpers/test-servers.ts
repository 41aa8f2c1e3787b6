// Stand-in servers for the upstream client's tests: plain and TLS HTTP
// servers and raw TCP servers on 127.0.0.1, each closed by the test that
// started it (every socket is tracked so close() never waits on keep-alive).

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect } from "vitest";
import { createUpstreamClient, type UpstreamClient, type UpstreamClientOptions } from "../../src/upstream/client.ts";
import { UpstreamError } from "../../src/upstream/errors.ts";

export interface Running {
  port: number;
  url: string;
  close(): Promise<void>;
}

function track(server: net.Server, scheme: string): Promise<Running> {
  const sockets = new Set<net.Socket>();
  server.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        url: `${scheme}://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

export function httpServer(handler: http.RequestListener): Promise<Running> {
  return track(http.createServer(handler), "http");
}

export function httpsServer(cert: { key: string; cert: string }, handler: http.RequestListener): Promise<Running> {
  return track(https.createServer(cert, handler), "https");
}

/** A TCP server whose sockets are handed to `onSocket` (to hang, reset, send garbage). */
export function tcpServer(onSocket: (s: net.Socket) => void): Promise<Running> {
  return track(net.createServer(onSocket), "http");
}

/** A port that nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const s = await tcpServer(() => {});
  await s.close();
  return s.port;
}

/** A self-signed certificate for 127.0.0.1, made with openssl in a temp dir. */
export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), "regcache-upstream-"));
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
      { stdio: "ignore" },
    );
    return { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A client with short timeouts, pointed at a stand-in server. */
export function clientFor(url: string, more: Partial<UpstreamClientOptions> = {}): UpstreamClient {
  return createUpstreamClient({
    name: "test",
    url,
    insecure: true,
    connectTimeoutMs: 2000,
    headersTimeoutMs: 2000,
    ...more,
  });
}

/** Sends an OCI error document, as registries do. */
export function ociError(res: http.ServerResponse, status: number, code: string, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ errors: [{ code, message: `secret upstream text for ${code}`, detail: null }] }));
}

/** Reads a whole web stream (tests only: the client itself never buffers blobs). */
export async function drain(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

/**
 * Servers started by a test file, closed after each test: `serve(handler)`
 * starts an HTTP stand-in, `keep(server)` adopts one started otherwise.
 */
export function serversClosedAfterEach(): { serve(handler: http.RequestListener): Promise<Running>; keep(server: Running): Promise<Running> } {
  const started: Running[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
  });
  const keep = async (server: Running) => {
    started.push(server);
    return server;
  };
  return { keep, serve: async (handler) => keep(await httpServer(handler)) };
}

/** The UpstreamError a promise rejects with (fails the test if it resolves or throws something else). */
export async function failureOf(p: Promise<unknown>): Promise<UpstreamError> {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}
