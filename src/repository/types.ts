// The Repository seam: what a /v2/<name>/… request can do with one repository,
// whether it is local (pushed here, src/registry) or cached (an upstream's,
// src/cache). The HTTP layer resolves a name to a Repository once and never
// asks which kind it got; content negotiation, headers and errors are the same
// for both. Distribution has the same shape: its proxy blob store and proxied
// manifest service implement the interfaces of local storage.
import type { ParsedManifest } from "../oci/manifest.ts";

/** How a cached repository answered (the X-Cache header and the request log). */
export type CacheOutcome = "HIT" | "MISS" | "REVALIDATED" | "STALE";

export interface ManifestRead {
  digest: string;
  mediaType: string;
  content: Uint8Array;
  /** Cached repositories only: where the bytes came from. */
  cache?: CacheOutcome;
  /** Set with STALE: the failure class of the upstream that made the cache serve its copy. */
  upstreamFailure?: string;
  /** When the upstream is a cache too (a chain): its X-Cache for this answer. */
  upstreamCache?: string;
  /** The manifest parsed (memoised: a HIT parses its stored bytes only when someone asks). */
  parsed(): ParsedManifest;
}

/** A verified file in the store, or (a cold cached blob) the bytes of a download as they arrive. */
export type BlobRead =
  | { kind: "file"; digest: string; size: number; path: string; cache?: CacheOutcome }
  | { kind: "stream"; digest: string; size: number | undefined; body: ReadableStream<Uint8Array> | null; cache: CacheOutcome };

export interface BlobReadOptions {
  /** A HEAD: only the size and digest are needed, never the bytes. */
  head: boolean;
  /** The client sent a Range header (served from a verified file only). */
  range: boolean;
}

export interface UploadState {
  id: string;
  /** Bytes received so far. */
  size: number;
}

export interface PutResult {
  digest: string;
  subject?: string;
}

/** One page of names, and whether more follow it; `more` undefined: the page is full if it has n items. */
export interface Page {
  items: string[];
  more?: boolean;
}

export interface ReferrersIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: { mediaType: string; digest: string; size: number; artifactType?: string; annotations?: Record<string, string> }[];
}

export interface Repository {
  /** The name as clients use it ("myorg/app", "docker.io/library/nginx"). */
  readonly name: string;
  /** The upstream's name for a cached repository; undefined for a local one. */
  readonly upstream?: string;

  /** A manifest by tag or digest. */
  getManifest(reference: string): Promise<ManifestRead>;
  /** Stores a manifest under a tag or its digest. */
  putManifest(reference: string, bytes: Uint8Array, contentType: string | undefined): Promise<PutResult>;
  /** By digest: the manifest and its tags; by tag: the tag only. */
  deleteManifest(reference: string): Promise<void>;

  /** A blob to serve (GET) or describe (HEAD). */
  getBlob(digest: string, options: BlobReadOptions): Promise<BlobRead>;
  /** Unlinks a blob from the repository. */
  deleteBlob(digest: string): Promise<void>;

  /** Starts an upload session. */
  startUpload(): Promise<UploadState>;
  /** Links a blob of `from` (or any stored blob) without an upload; false when that is not possible. */
  mountBlob(digest: string, from: string | undefined): Promise<boolean>;
  /** Appends a chunk; `range` is the chunk's Content-Range, if any. */
  appendChunk(id: string, body: ReadableStream<Uint8Array> | null, range: { start: number; end: number } | undefined): Promise<UploadState>;
  /** Appends an optional last chunk, verifies the digest and stores the blob. */
  finishUpload(id: string, digest: string | undefined, body: ReadableStream<Uint8Array> | null): Promise<string>;
  uploadStatus(id: string): Promise<UploadState>;
  cancelUpload(id: string): Promise<void>;
  /** A whole blob in one request. */
  monolithicUpload(digest: string, body: ReadableStream<Uint8Array> | null): Promise<string>;

  /** A page of tags; n undefined: as many as one page holds. */
  tags(n: number | undefined, last: string | undefined): Promise<Page>;
  /** The manifests that name `subject` as their subject, as an OCI index. */
  referrers(subject: string, artifactType: string | undefined): Promise<ReferrersIndex>;
}

/** Finds the repository a request names. `ns`: containerd's ?ns=; `forWrite`: the request changes something. */
export type RepositoryResolver = (name: string, ns: string | undefined, forWrite: boolean) => Repository;
