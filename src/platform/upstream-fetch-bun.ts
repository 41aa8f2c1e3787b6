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
