// The helper's check that a signed CDN URL is valid now: a GET of one byte.
// The CDN rejects HEAD on signed URLs (the signature covers the method), so the
// probe asks for `Range: bytes=0-0` and drops the response body unread: a CDN that
// ignores Range must not make the helper download a layer.
import { rootCertificates } from "node:tls";
import { Agent, buildConnector, request } from "undici-client";
import type { Probe } from "./helper.ts";

export interface ProbeOptions {
  /** Whole-probe deadline in milliseconds (connect, TLS, response headers). */
  timeoutMs: number;
  /** Test only: connect here instead of the URL's host (TLS name and Host unchanged). */
  connectTo?: { hostname: string; port: number };
  /** Test only: one more PEM CA to trust, besides the system's roots. */
  extraCa?: string;
  /** Called with the outcome of each failed probe, the URL without its query. */
  onFailure?: (what: string) => void;
}

export interface ProbeClient {
  probe: Probe;
  close(): Promise<void>;
}

export function createProbe(opts: ProbeOptions): ProbeClient {
  const { timeoutMs } = opts;
  const tlsOptions = opts.extraCa ? { ca: [...rootCertificates, opts.extraCa] } : {};
  const connector = buildConnector({ timeout: timeoutMs, ...tlsOptions });
  const connectTo = opts.connectTo;
  const agent = new Agent({
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: connectTo
      ? (o, cb) => connector({ ...o, hostname: connectTo.hostname, port: String(connectTo.port), servername: o.servername || o.hostname }, cb)
      : connector,
  });

  const probe: Probe = async (url, signal) => {
    const bare = url.split("?")[0];
    try {
      const res = await request(url, {
        method: "GET",
        headers: { range: "bytes=0-0", "user-agent": "regcache-squid-store-id" },
        dispatcher: agent,
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      // Never read: destroying the body closes the connection if bytes are pending.
      // The destroy (and the deadline firing later) surface as an 'error' on the body.
      res.body.on("error", () => {});
      res.body.destroy();
      const ok = res.statusCode === 200 || res.statusCode === 206;
      if (!ok) opts.onFailure?.(`${bare} answered ${res.statusCode}`);
      return ok;
    } catch (err) {
      opts.onFailure?.(`${bare} failed: ${(err as Error).name}: ${(err as Error).message}`);
      return false;
    }
  };
  return { probe, close: () => agent.close() };
}
