// The Squid kit's closed doors, end to end with real Squid (see kit.ts): no way into
// the proxy host or link-local addresses, TLS decisions by SNI (bump CDN hosts, splice
// the rest), fatal CDN certificate errors, Authorization removed only from blob URLs,
// and no request to the CDN while the ICAP service is down. That last one stops the
// ICAP service, so it runs last.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Kit, REGISTRY_HOST, UNTRUSTED_HOST, startKit } from "./kit.ts";
import { run } from "./processes.ts";

let kit: Kit;
beforeAll(async () => {
  kit = await startKit();
});
afterAll(async () => {
  await kit?.stop();
});

describe("Squid kit with real Squid: closed doors", () => {
  it("refuses the proxy host's own services and link-local addresses (403 from Squid)", async () => {
    // Port 80: other ports are refused anyway (safe ports). Without the rule, Squid would
    // try to connect and answer 503, not 403.
    for (const url of ["http://127.0.0.1/", "http://localhost/", "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/"]) {
      const r = await kit.get(url);
      expect(r.status, url).toBe(403);
      expect(r.squidError, url).toMatch(/^ERR_ACCESS_DENIED/);
    }
  });

  it("refuses a CONNECT to the proxy host, never opening the tunnel", async () => {
    // Squid bumps a denied CONNECT to show its error page, with a certificate for
    // 127.0.0.1 that the bump CA's name constraints forbid: curl fails the handshake.
    const r = await kit.get("https://127.0.0.1/");
    expect(r.curlExit).not.toBe(0);
    // The line for the CONNECT to 127.0.0.1, whatever its verdict; then the verdict.
    const log = await kit.logOnceMatching("access.log", / CONNECT 127\.0\.0\.1:443 /);
    expect(log).toMatch(/ TCP_DENIED\/\d+ \d+ CONNECT 127\.0\.0\.1:443 .* HIER_NONE\//);
  });

  it("tunnels a host that is not a CDN host untouched: its own certificate, its Authorization kept", async () => {
    const seen = kit.cdn.seen.length;
    // Trusting only the stand-in's CA: a bumped connection (the bump CA's certificate) would fail.
    const r = await kit.get(`https://${REGISTRY_HOST}/v2/`, { authorization: "Bearer registry", cacert: join(kit.dir, "cdn-ca.pem") });
    expect(r).toMatchObject({ status: 200, curlExit: 0 });
    expect(kit.cdn.seen.slice(seen)).toMatchObject([{ path: "/v2/", authorization: "Bearer registry" }]);
  });

  it("decides by the TLS name (SNI), not the CONNECT target: a CDN name is bumped, any other is tunnelled", async () => {
    // Who issued the certificate the client sees: the bump CA (decrypted) or the stand-in's own CA (tunnelled).
    const issuer = async (sni: string) => {
      const [cmd, args] = kit.wrap("sh", ["-c", `openssl s_client -proxy 127.0.0.1:3128 -connect 192.0.2.10:443 -servername ${sni} </dev/null 2>/dev/null | openssl x509 -noout -issuer`]);
      return (await run(cmd, args, { timeout: 30_000 })).stdout.trim();
    };
    expect(await issuer("cdn01.quay.io")).toBe("issuer=CN = regcache Squid CDN CA");
    expect(await issuer(REGISTRY_HOST)).toBe("issuer=CN = stand-in CDN test CA");
  });

  it("keeps Authorization on a CDN host's URL that is not a blob URL (a registry API path)", async () => {
    const seen = kit.cdn.seen.length;
    const r = await kit.get("https://cdn01.quay.io/v2/auth", { authorization: "Bearer api" });
    expect(r).toMatchObject({ status: 200, curlExit: 0 });
    expect(kit.cdn.seen.slice(seen)).toMatchObject([{ path: "/v2/auth", authorization: "Bearer api" }]);
  });

  it("fails a CDN host whose certificate does not verify, without sending the request", async () => {
    const seen = kit.cdn.seen.length;
    const { cdn } = kit;
    const { path } = cdn.addBlob(randomBytes(1024));
    const r = await kit.get(cdn.signedUrl(UNTRUSTED_HOST, path));
    expect(r.status).toBe(503);
    expect(r.squidError).toMatch(/^ERR_SECURE_CONNECT_FAIL/);
    // The helper's probe goes its own way (with its own certificate check); Squid sent nothing.
    expect(kit.cdn.seen.slice(seen).filter((s) => s.range === undefined)).toEqual([]);
  });

  it("while the ICAP service is down a blob request fails, and nothing reaches the CDN", async () => {
    const { cdn } = kit;
    const { path } = cdn.addBlob(randomBytes(1024));
    await kit.stopIcap();
    const seen = cdn.seen.length;
    const r = await kit.get(cdn.signedUrl("cdn01.quay.io", path), { authorization: "Bearer secret" });
    expect(r.status).toBe(500);
    expect(r.squidError).toMatch(/^ERR_ICAP_FAILURE/);
    expect(cdn.seen.slice(seen)).toEqual([]);
  });
});
