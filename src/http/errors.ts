// The one place where domain errors become wire responses: the OCI error
// envelope with its code and status (and Retry-After where it applies).
import { DigestMismatch, SizeMismatch, StorageFull, TooLarge } from "../blobstore/errors.ts";
import { ERROR_CODES, type ErrorCode, errorBody } from "../oci/errors.ts";
import * as E from "../repository/errors.ts";
import { UpstreamError } from "../upstream/index.ts";

export interface WireError {
  status: number;
  code: ErrorCode;
  message: string;
  detail?: unknown;
  headers?: Record<string, string>;
}

/** Extra mappings contributed by higher layers (the cache's upstream errors). */
export type ErrorMapper = (e: unknown) => WireError | undefined;

type ErrorClass = new (...a: never[]) => Error;
/** A domain error type, its wire code, its status when not the code's default, and headers it adds. */
type Row = [ErrorClass, ErrorCode, number?, ((e: never) => Record<string, string>)?];

/** The spec's upload progress header: the bytes held so far, inclusive ("0-0" for none, as other registries say). */
export const uploadRange = (size: number) => `0-${Math.max(0, size - 1)}`;

const TABLE: Row[] = [
  [E.NameInvalid, "NAME_INVALID"],
  [E.NameUnknown, "NAME_UNKNOWN"],
  // A tag outside the grammar in a PUT; reads of such a tag are ManifestUnknown.
  [E.ReferenceInvalid, "TAG_INVALID"],
  [E.DigestInvalid, "DIGEST_INVALID"],
  [E.ManifestUnknown, "MANIFEST_UNKNOWN"],
  [E.ManifestInvalid, "MANIFEST_INVALID"],
  [E.ManifestBlobUnknown, "MANIFEST_BLOB_UNKNOWN"],
  [E.ManifestTooLarge, "SIZE_INVALID", 413],
  [E.BlobUnknown, "BLOB_UNKNOWN"],
  [E.UploadUnknown, "BLOB_UPLOAD_UNKNOWN"],
  [E.UploadInvalid, "BLOB_UPLOAD_INVALID"],
  [E.BodyIncomplete, "BLOB_UPLOAD_INVALID"],
  // The spec's 416 for chunks: the Range header tells the client where to resume.
  [E.RangeInvalid, "BLOB_UPLOAD_INVALID", 416, (e: E.RangeInvalid) => ({ Range: uploadRange(e.size) })],
  [E.RangeNotSatisfiable, "RANGE_INVALID", 416, (e: E.RangeNotSatisfiable) => ({ "Content-Range": `bytes */${e.size}` })],
  [E.Unsupported, "UNSUPPORTED"],
  // The spec has no code for a bad `n`; the request is wrong, so 400, not UNSUPPORTED's 405.
  [E.QueryInvalid, "UNSUPPORTED", 400],
  [E.TagImmutable, "DENIED", 409],
  [E.Denied, "DENIED", 403],
  [DigestMismatch, "DIGEST_INVALID"],
  [SizeMismatch, "SIZE_INVALID"],
  [TooLarge, "SIZE_INVALID", 413],
  [StorageFull, "INSUFFICIENT_STORAGE"],
];

/**
 * An upstream failure as the client sees it. An outage (refused, reset, dns,
 * timeout, tls, 5xx) is a 503 and a garbled answer a 502, never a 404: a
 * client must be able to tell an outage from a typo. The message names the
 * upstream and the failure class; the upstream's own body never gets here.
 */
function upstreamWireError(e: UpstreamError): WireError {
  const detail = { upstream: e.upstream, failure: e.failure };
  switch (e.failure) {
    case "http-404":
      return { status: 404, code: "MANIFEST_UNKNOWN", message: `not found at upstream "${e.upstream}"`, detail };
    case "http-429": {
      const headers: Record<string, string> = e.retryAfterSeconds !== undefined ? { "Retry-After": String(Math.ceil(e.retryAfterSeconds)) } : {};
      return { status: 429, code: "TOO_MANY_REQUESTS", message: e.message, detail, headers };
    }
    case "http-401/403":
      return { status: 502, code: "UPSTREAM_INVALID", message: `${e.message}; check the upstream's username and password_file`, detail };
    case "invalid-response":
      return { status: 502, code: "UPSTREAM_INVALID", message: e.message, detail };
    default:
      return { status: 503, code: "UPSTREAM_UNAVAILABLE", message: e.message, detail, headers: { "Retry-After": "30" } };
  }
}

/** A full disk, whether the blob store (StorageFull), a plain write (ENOSPC) or SQLite noticed it. */
function isOutOfSpace(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return e instanceof StorageFull || code === "ENOSPC" || code === "EDQUOT" || code === "SQLITE_FULL";
}

export function toWireError(e: unknown, extra: ErrorMapper[] = []): WireError {
  if (e instanceof UpstreamError) return upstreamWireError(e);
  if (isOutOfSpace(e)) return { status: 507, code: "INSUFFICIENT_STORAGE", message: "the registry's disk is full; nothing partial was kept" };
  for (const map of extra) {
    const w = map(e);
    if (w) return w;
  }
  for (const [type, code, status, headers] of TABLE) {
    if (e instanceof type) {
      const detail = e instanceof E.RegistryError ? e.detail : undefined;
      return { status: status ?? ERROR_CODES[code].status, code, message: e.message, detail, headers: headers?.(e as never) };
    }
  }
  return { status: 500, code: "INTERNAL", message: "internal error; see the regcache log" };
}

export function errorResponse(w: WireError, method: string): Response {
  const headers = new Headers({ "Content-Type": "application/json", ...w.headers });
  const body = method === "HEAD" ? null : JSON.stringify(errorBody(w.code, w.message, w.detail));
  return new Response(body, { status: w.status, headers });
}
