// Small fetch helpers for talking the distribution API to a running regcache.
import { createHash } from "node:crypto";

export const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** The codes of an OCI error envelope ({"errors":[{"code":…}]}); consumes the body. */
/**
 * Reads the first chunk of a response body only: a transfer in flight, for tests that change
 * something (a reload, a certificate) while it runs. `finish` reads the rest and gives the
 * digest and size of all the bytes.
 */
export async function readFirstChunk(response: Response): Promise<{ finish(): Promise<{ digest: string; size: number }> }> {
  const reader = response.body!.getReader();
  const hash = createHash("sha256");
  const first = await reader.read();
  hash.update(first.value!);
  let received = first.value!.byteLength;
  return {
    async finish() {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        hash.update(value);
        received += value.byteLength;
      }
      return { digest: `sha256:${hash.digest("hex")}`, size: received };
    },
  };
}

export async function errorCodes(response: Response): Promise<string[]> {
  const body = (await response.json()) as { errors?: Array<{ code: string }> };
  return (body.errors ?? []).map((e) => e.code);
}

/** Locations may be relative ("/v2/…"); resolve them against the registry. */
export const absolute = (base: string, location: string | null) => {
  if (!location) throw new Error("response had no Location header");
  return new URL(location, base).toString();
};

/** Starts an upload session; returns its absolute URL. */
export async function startUpload(base: string, repo: string): Promise<string> {
  const response = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: "POST" });
  if (response.status !== 202) throw new Error(`POST uploads in ${repo}: ${response.status} ${await response.text()}`);
  return absolute(base, response.headers.get("location"));
}

/** Adds ?digest= (or &digest=) to an upload URL. */
export function withDigest(uploadUrl: string, digest: string): string {
  const url = new URL(uploadUrl);
  url.searchParams.set("digest", digest);
  return url.toString();
}

/** A monolithic upload (POST ?digest= with the body); returns the digest. */
export async function pushBlob(base: string, repo: string, bytes: Uint8Array): Promise<string> {
  const digest = sha256(bytes);
  const response = await fetch(`${base}/v2/${repo}/blobs/uploads/?digest=${digest}`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  if (response.status !== 201) throw new Error(`monolithic upload to ${repo}: ${response.status} ${await response.text()}`);
  return digest;
}
