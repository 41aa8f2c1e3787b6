// The upstream client: the four reads the cache engine needs from a remote
// registry (manifests, blobs, tags, referrers), each either succeeding or
// throwing an UpstreamError with its failure class. One client per configured
// upstream; it owns one connection pool, one token cache and one 429 gate.

import { Authenticator } from "./auth.ts";
import { discard, toWebStream } from "./body.ts";
import { UpstreamError } from "./errors.ts";
import { nextLink } from "./link-header.ts";
import { contentLength, parseTags, readSmall } from "./responses.ts";
import { Session } from "./session.ts";
import { Transport, type UpstreamResponse } from "./transport.ts";

import type { UpstreamSettings } from "../config/resolve.ts";

export { MANIFEST_LIMIT } from "./responses.ts";

/** One upstream's settings as config/resolve.ts produces them (secrets read), plus what tests tune. */
export type UpstreamClientOptions = Omit<UpstreamSettings, "redirectAllow"> & {
  /** Longest gap between two body chunks; default: headersTimeoutMs. */
  bodyTimeoutMs?: number;
  /** Origins ("http://10.0.0.5:9000") that redirects and token realms may lead to although they
   *  are loopback, link-local or private; the upstream's own origin always may. Default: none. */
  redirectAllow?: string[];
};

export interface ManifestResult {
  status: number;
  /** Docker-Content-Digest, when the upstream sent it (verify before trusting). */
  digest?: string;
  /** Content-Type without parameters. */
  mediaType?: string;
  size?: number;
  /** GET only: the bytes exactly as sent. */
  body?: Uint8Array;
  /** The upstream's own X-Cache, when it is a cache itself (a regional regcache). */
  xCache?: string;
}

export interface BlobResult {
  /** Content-Length of the final response, when known. */
  size?: number;
  /** The bytes as they arrive; a failure mid-stream errors it with an UpstreamError. */
  body: ReadableStream<Uint8Array>;
  /** Stop downloading and release the connection. */
  abort(): void;
}

export interface UpstreamClient {
  readonly name: string;
  /** HEAD or GET a manifest by tag or digest; `accept` lists the media types we take. */
  manifest(repo: string, reference: string, method: "HEAD" | "GET", accept: string[]): Promise<ManifestResult>;
  /** GET a blob as a stream, following redirects to blob CDNs. */
  blob(repo: string, digest: string): Promise<BlobResult>;
  /** HEAD a blob: its Content-Length (undefined when not sent); a blob the upstream does not have is http-404. */
  blobSize(repo: string, digest: string): Promise<number | undefined>;
  /**
   * Tags of a repository after `last`, across pages, bounded: at most `limit` tags
   * and `maxBytes` of upstream bodies in all. `more`: the upstream has more than returned.
   */
  tags(repo: string, options?: TagListOptions): Promise<TagList>;
  /** The referrers index for a digest; undefined when the upstream has no referrers API (404). */
  referrers(repo: string, digest: string): Promise<Uint8Array | undefined>;
  /** Closes the connection pool. */
  close(): Promise<void>;
}

export interface TagListOptions {
  /** Default 10,000. */
  limit?: number;
  last?: string;
  /** Default 16 MiB. */
  maxBytes?: number;
}

export interface TagList {
  tags: string[];
  more: boolean;
}

// A repository with tens of thousands of tags is real; a listing that takes
// gigabytes of memory to collect (4 MiB pages, endless "next" links) is an attack.
export const MAX_TAGS = 10_000;
export const MAX_TAG_BYTES = 16 * 1024 * 1024;

export function createUpstreamClient(opts: UpstreamClientOptions): UpstreamClient {
  const base = new URL(opts.url);
  if (base.protocol !== "https:" && !(base.protocol === "http:" && opts.insecure)) {
    throw new Error(`upstream "${opts.name}": ${opts.url} needs https (or insecure = true for plain HTTP)`);
  }
  const transport = new Transport({
    name: opts.name,
    insecure: opts.insecure,
    caPem: opts.caPem,
    connectTimeoutMs: opts.connectTimeoutMs,
    headersTimeoutMs: opts.headersTimeoutMs,
    bodyTimeoutMs: opts.bodyTimeoutMs ?? opts.headersTimeoutMs,
    trustedOrigins: [base.origin, ...(opts.redirectAllow ?? [])],
  });
  const creds = opts.username !== undefined ? { username: opts.username, password: opts.password ?? "" } : undefined;
  const session = new Session(transport, new Authenticator(transport, creds));

  // Repository names and references are validated by the caller against the
  // OCI grammar, which allows no characters that need escaping in a path.
  const prefix = base.pathname.replace(/\/+$/, "");
  const urlOf = (path: string): URL => new URL(prefix + path, base.origin);
  const invalid = (detail: string): UpstreamError => new UpstreamError(opts.name, "invalid-response", detail);

  return {
    name: opts.name,

    async manifest(repo, reference, method, accept) {
      const headers: Record<string, string> = accept.length ? { accept: accept.join(", ") } : {};
      const res = await session.send(urlOf(`/v2/${repo}/manifests/${reference}`), repo, { method, headers });
      const digest = res.header("docker-content-digest")?.trim() || undefined;
      // A regcache (or another cache) below says how it answered: worth a field in our log.
      const xCache = res.header("x-cache")?.trim().slice(0, 20) || undefined;
      const mediaType = res.header("content-type")?.split(";")[0].trim() || undefined;
      if (method === "HEAD") {
        await discard(res.body);
        return { status: res.status, digest, mediaType, size: contentLength(res), ...(xCache ? { xCache } : {}) };
      }
      const body = await readSmall(res, "manifest", transport);
      return { status: res.status, digest, mediaType, size: body.byteLength, body, ...(xCache ? { xCache } : {}) };
    },

    async blob(repo, digest) {
      const res = await session.send(urlOf(`/v2/${repo}/blobs/${digest}`), repo, { method: "GET" });
      if (res.status !== 200) {
        // We sent no Range; a 206 or 204 would hand us the wrong bytes.
        await discard(res.body);
        throw invalid(`HTTP ${res.status} for a blob`);
      }
      const { body, abort } = toWebStream(res.body, (err) => transport.wrap(err));
      return { size: contentLength(res), body, abort };
    },

    async blobSize(repo, digest) {
      const res = await session.send(urlOf(`/v2/${repo}/blobs/${digest}`), repo, { method: "HEAD" });
      await discard(res.body);
      return contentLength(res);
    },

    async tags(repo, o = {}) {
      const limit = o.limit ?? MAX_TAGS;
      const maxBytes = o.maxBytes ?? MAX_TAG_BYTES;
      const out: string[] = [];
      const seen = new Set<string>();
      let bytes = 0;
      const first = urlOf(`/v2/${repo}/tags/list`);
      first.searchParams.set("n", String(limit));
      if (o.last !== undefined) first.searchParams.set("last", o.last);
      let next: URL | undefined = first;
      while (next && !seen.has(next.href)) {
        // Stop at the bounds and answer what was collected: the client pages on from there.
        if (out.length >= limit || bytes >= maxBytes) return { tags: out.slice(0, limit), more: true };
        // Our credentials follow the "next" link, so it must stay on the registry.
        if (next.origin !== base.origin) throw invalid("tag list links to another host");
        seen.add(next.href);
        const res: UpstreamResponse = await session.send(next, repo, { method: "GET", headers: { accept: "application/json" } });
        const body = await readSmall(res, "tag list", transport);
        bytes += body.byteLength;
        out.push(...parseTags(body, opts.name));
        next = nextLink(res.header("link"), res.url);
      }
      return { tags: out.slice(0, limit), more: out.length > limit };
    },

    async referrers(repo, digest) {
      const headers = { accept: "application/vnd.oci.image.index.v1+json" };
      const res = await session.send(urlOf(`/v2/${repo}/referrers/${digest}`), repo, { method: "GET", headers, allow404: true });
      if (res.status === 404) {
        await discard(res.body);
        return undefined;
      }
      return readSmall(res, "referrers index", transport);
    },

    close: () => transport.close(),
  };
}
