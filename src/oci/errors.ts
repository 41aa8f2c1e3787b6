// The table of OCI distribution error codes: each wire code with its HTTP
// status and default message. Only src/http turns domain errors into these.

export const ERROR_CODES = {
  BLOB_UNKNOWN: { status: 404, message: "blob unknown to registry" },
  BLOB_UPLOAD_INVALID: { status: 400, message: "blob upload invalid" },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: "blob upload unknown to registry" },
  DIGEST_INVALID: { status: 400, message: "provided digest did not match uploaded content" },
  MANIFEST_BLOB_UNKNOWN: { status: 404, message: "manifest references a manifest or blob unknown to registry" },
  MANIFEST_INVALID: { status: 400, message: "manifest invalid" },
  MANIFEST_UNKNOWN: { status: 404, message: "manifest unknown to registry" },
  NAME_INVALID: { status: 400, message: "invalid repository name" },
  NAME_UNKNOWN: { status: 404, message: "repository name not known to registry" },
  SIZE_INVALID: { status: 400, message: "provided length did not match content length" },
  UNAUTHORIZED: { status: 401, message: "authentication required" },
  DENIED: { status: 403, message: "requested access to the resource is denied" },
  UNSUPPORTED: { status: 405, message: "the operation is unsupported" },
  TOO_MANY_REQUESTS: { status: 429, message: "too many requests" },
  TAG_INVALID: { status: 400, message: "manifest tag did not match URI" },
  RANGE_INVALID: { status: 416, message: "requested range not satisfiable" },
  UPSTREAM_UNAVAILABLE: { status: 503, message: "upstream registry unavailable" },
  UPSTREAM_INVALID: { status: 502, message: "upstream registry sent an invalid response" },
  INSUFFICIENT_STORAGE: { status: 507, message: "insufficient storage" },
  INTERNAL: { status: 500, message: "internal error" },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface OciErrorBody {
  errors: { code: ErrorCode; message: string; detail?: unknown }[];
}

export function errorBody(code: ErrorCode, message?: string, detail?: unknown): OciErrorBody {
  return { errors: [{ code, message: message ?? ERROR_CODES[code].message, ...(detail === undefined ? {} : { detail }) }] };
}
