// Bun's native fetch for blob bodies from an upstream's own origin (see
// src/upstream/native-fetch.ts for why and where it is used). The bytes must be
// exactly the upstream's: no decompression, and no Accept-Encoding that would
// invite one. TLS as undici has it: `insecure` skips verification, a private CA
// is trusted in addition to the public roots.
import { rootCertificates } from "node:tls";
import type { UpstreamFetch } from "./types.ts";

export const bunUpstreamFetch: UpstreamFetch = (url, init) =>
  fetch(url, {
    method: "GET",
    headers: { ...init.headers, "accept-encoding": "identity" },
    signal: init.signal,
    redirect: "manual",
    decompress: false,
    tls: { rejectUnauthorized: !init.insecure, ...(init.caPem ? { ca: [...rootCertificates, init.caPem] } : {}) },
  });

const PROXY_VARIABLES = ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"];

/**
 * The native client, unless the environment names an HTTP proxy. Bun's fetch sends through
 * $HTTP_PROXY/$HTTPS_PROXY (and `proxy: ""` does not turn that off), undici's Agent never
 * does: blob bodies would take another path than manifests and tokens. Then undici does all.
 */
export function bunUpstreamFetchFor(env: Record<string, string | undefined>): UpstreamFetch | undefined {
  return PROXY_VARIABLES.some((name) => env[name]) ? undefined : bunUpstreamFetch;
}
