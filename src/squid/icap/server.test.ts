import { type Socket, connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ByteReader, readChunked } from "./reader.ts";
import { type IcapServer, createIcapServer } from "./server.ts";

let server: IcapServer;
beforeAll(async () => {
  // Blob URLs here: anything under /r/ or /p on these hosts, and a POST to /up.
  server = createIcapServer({ cdnHosts: ["cdn01.quay.io", ".cdn.example"], blobPatterns: [/^https:\/\/(cdn01\.quay\.io|[^/]*\.cdn\.example)\/(r\/|p$|up$)/] });
  await server.listen(0, "127.0.0.1");
});
afterAll(() => server.close());

interface Reply {
  status: number;
  headers: string;
  http?: string;
  body?: string;
}

/** A client on one connection: writes raw bytes, reads whole ICAP responses. */
async function client() {
  const sock: Socket = connect(server.port(), "127.0.0.1");
  await new Promise((r) => sock.once("connect", r));
  const reader = new ByteReader(sock[Symbol.asyncIterator]());
  const read = async (): Promise<Reply | undefined> => {
    const head = (await reader.readUntil("\r\n\r\n", 65536))?.toString("latin1");
    if (head === undefined) return undefined;
    const status = Number(/^ICAP\/1\.0 (\d{3})/.exec(head)![1]);
    const enc = /Encapsulated: (.*)\r\n/.exec(head)?.[1] ?? "";
    const hdr = /req-hdr=0, (null|req)-body=(\d+)/.exec(enc);
    if (!hdr) return { status, headers: head };
    const http = (await reader.readExactly(Number(hdr[2]))).toString("latin1");
    const body = hdr[1] === "req" ? (await readChunked(reader, 1 << 20)).data.toString("latin1") : undefined;
    return { status, headers: head, http, body };
  };
  return { write: (s: string) => sock.write(s), read, end: () => sock.destroy() };
}

const reqmod = (http: string, extra = "", body?: string) =>
  `REQMOD icap://127.0.0.1/regcache ICAP/1.0\r\nHost: 127.0.0.1\r\nAllow: 204\r\n${extra}Encapsulated: req-hdr=0, ${body === undefined ? "null" : "req"}-body=${http.length}\r\n\r\n${http}${body ?? ""}`;
const GET_CDN = "GET https://cdn01.quay.io/r/sha256/aa/x?sig=1 HTTP/1.1\r\nHost: cdn01.quay.io\r\nAuthorization: Bearer a\r\nAccept: */*\r\n\r\n";
const GET_CDN_STRIPPED = "GET https://cdn01.quay.io/r/sha256/aa/x?sig=1 HTTP/1.1\r\nHost: cdn01.quay.io\r\nAccept: */*\r\n\r\n";

describe("ICAP server", () => {
  it("answers OPTIONS with REQMOD, Preview 0, Allow 204, ISTag and Options-TTL", async () => {
    const c = await client();
    c.write("OPTIONS icap://127.0.0.1:1344/regcache ICAP/1.0\r\nHost: 127.0.0.1\r\nEncapsulated: null-body=0\r\n\r\n");
    const r = (await c.read())!;
    expect(r.status).toBe(200);
    for (const h of [/Methods: REQMOD\r\n/, /Preview: 0\r\n/, /Allow: 204\r\n/, /ISTag: "regcache-[0-9a-f]+"\r\n/, /Options-TTL: \d+\r\n/, /Encapsulated: null-body=0\r\n/]) {
      expect(r.headers).toMatch(h);
    }
    c.end();
  });

  it("serves many messages on one connection: strip for CDN hosts, 204 for the rest", async () => {
    const c = await client();
    c.write(reqmod(GET_CDN));
    c.write(reqmod("GET https://example.com/ HTTP/1.1\r\nHost: example.com\r\nAuthorization: Bearer x\r\n\r\n"));
    c.write(reqmod("GET /p HTTP/1.1\r\nHost: a.cdn.example\r\nAuthorization: Basic y\r\n\r\n"));
    c.write(reqmod("GET https://cdn01.quay.io/no-auth HTTP/1.1\r\nHost: cdn01.quay.io\r\n\r\n"));
    const first = (await c.read())!;
    expect(first.status).toBe(200);
    expect(first.headers).toContain(`Encapsulated: req-hdr=0, null-body=${GET_CDN_STRIPPED.length}\r\n`);
    expect(first.http).toBe(GET_CDN_STRIPPED);
    expect((await c.read())!.status).toBe(204);
    expect((await c.read())!.http).toBe("GET /p HTTP/1.1\r\nHost: a.cdn.example\r\n\r\n");
    expect((await c.read())!.status).toBe(204);
    c.end();
  });

  it("keeps Authorization on a CDN host's URL that is not a blob URL", async () => {
    const c = await client();
    c.write(reqmod("GET https://cdn01.quay.io/v2/auth HTTP/1.1\r\nHost: cdn01.quay.io\r\nAuthorization: Bearer a\r\n\r\n"));
    c.write(reqmod("GET /v2/ HTTP/1.1\r\nHost: a.cdn.example\r\nAuthorization: Basic y\r\n\r\n"));
    expect((await c.read())!.status).toBe(204);
    expect((await c.read())!.status).toBe(204);
    c.end();
  });

  it("after a preview, asks for the rest of a CDN request's body and echoes it", async () => {
    const c = await client();
    const http = "POST https://cdn01.quay.io/up HTTP/1.1\r\nHost: cdn01.quay.io\r\nAuthorization: Bearer a\r\nContent-Length: 11\r\n\r\n";
    c.write(reqmod(http, "Preview: 0\r\n", "0\r\n\r\n"));
    expect((await c.read())!.status).toBe(100);
    c.write("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    const r = (await c.read())!;
    expect(r.status).toBe(200);
    expect(r.http).not.toContain("Authorization");
    expect(r.body).toBe("hello world");
    // A whole body in the preview ("ieof") needs no 100 Continue; other hosts get 204.
    c.write(reqmod(http, "Preview: 0\r\n", "0; ieof\r\n\r\n"));
    expect((await c.read())!).toMatchObject({ status: 200, body: "" });
    c.write(reqmod(http.replaceAll("cdn01.quay.io", "example.com"), "Preview: 0\r\n", "0\r\n\r\n"));
    expect((await c.read())!.status).toBe(204);
    c.end();
  });

  it("answers unknown services, methods and RESPMOD with their errors", async () => {
    for (const [line, code] of [
      ["REQMOD icap://127.0.0.1/other ICAP/1.0", 404],
      ["RESPMOD icap://127.0.0.1/regcache ICAP/1.0", 405],
      ["BREW icap://127.0.0.1/regcache ICAP/1.0", 501],
    ] as const) {
      const c = await client();
      c.write(`${line}\r\nEncapsulated: null-body=0\r\n\r\n`);
      const r = (await c.read())!;
      expect(r.status).toBe(code);
      expect(r.headers).toContain("Connection: close");
      expect(await c.read()).toBeUndefined();
    }
  });

  it("answers malformed ICAP with 400, closes, and keeps serving others", async () => {
    const cases = [
      "NOT ICAP AT ALL\r\n\r\n",
      "REQMOD icap://127.0.0.1/regcache ICAP/1.0\r\nEncapsulated: req-hdr=0, null-body=zz\r\n\r\n",
      "REQMOD icap://127.0.0.1/regcache ICAP/1.0\r\nEncapsulated: res-hdr=0, null-body=4\r\n\r\nxxxx",
      reqmod("garbage\r\n\r\n"),
      reqmod(GET_CDN, "", "zz\r\nnot a chunk"),
      `REQMOD icap://127.0.0.1/regcache ICAP/1.0\r\nEncapsulated: req-hdr=0, null-body=${GET_CDN.length + 9}\r\n\r\n${GET_CDN}123456789`,
    ];
    for (const raw of cases) {
      const c = await client();
      c.write(raw);
      expect((await c.read())?.status, JSON.stringify(raw)).toBe(400);
      c.end();
    }
    const c = await client();
    c.write(`${"X".repeat(70_000)}`);
    expect((await c.read())?.status).toBe(400);
    c.end();
    const ok = await client();
    ok.write(reqmod(GET_CDN));
    expect((await ok.read())!.http).toBe(GET_CDN_STRIPPED);
    ok.end();
  });

  it("survives a peer that disconnects mid-message", async () => {
    const c = await client();
    c.write(reqmod(GET_CDN).slice(0, 60));
    c.end();
    const ok = await client();
    ok.write(reqmod(GET_CDN));
    expect((await ok.read())!.status).toBe(200);
    ok.end();
  });
});
