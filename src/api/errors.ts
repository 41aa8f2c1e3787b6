// The one table of the admin API's errors: every domain error a resource may
// throw, the status an operator's script can act on, and the extra fields of
// the {"error": message, ...} body. app.ts's onError is its only reader, so
// the handlers just throw.
import * as P from "../policy/errors.ts";
import { InvalidImageRef, PrefetchNotFound, UnknownUpstream } from "../prefetch/errors.ts";
import { ImageIncomplete, ImageUnavailable } from "../bundle/context.ts";
import { BundleInvalid } from "../bundle/layout.ts";
import { TarFormatError } from "../bundle/tar.ts";
import { ScrubNotFound, ScrubRunning } from "../scrub/errors.ts";

/** A client error of the admin API (400, 404, 405, 409) raised by the API layer itself (bad query, bad body). */
export class ApiError extends Error {
  constructor(readonly status: 400 | 404 | 405 | 409, message: string) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ApiAnswer {
  status: 400 | 404 | 405 | 409;
  body: { error: string; [key: string]: unknown };
}

type ErrorClass = new (...a: never[]) => Error;
/** A domain error type, its status, and the fields it adds to the body. */
type Row = [ErrorClass, ApiAnswer["status"], ((e: never) => Record<string, unknown>)?];

const TABLE: Row[] = [
  [P.PolicyInvalid, 400],
  [P.NamespaceUnknown, 400],
  [InvalidImageRef, 400],
  [UnknownUpstream, 400],
  [BundleInvalid, 400],
  [TarFormatError, 400],
  [ImageUnavailable, 409],
  [ImageIncomplete, 409, (e: ImageIncomplete) => ({ ref: e.ref, missing: e.missing })],
  [P.RepositoryUnknown, 404],
  [P.TagUnknown, 404],
  [P.PolicyNotFound, 404],
  [PrefetchNotFound, 404],
  [P.PolicyDuplicate, 409, (e: P.PolicyDuplicate) => ({ uuid: e.existing })],
  [P.PolicyUuidTaken, 409],
  [P.TagPolicyProtected, 409, (e: P.TagPolicyProtected) => ({ policy: e.policy })],
  [ScrubRunning, 409, (e: ScrubRunning) => ({ run: e.run })],
  [ScrubNotFound, 404],
];

/** The answer for a client error, or undefined for anything else (a 500, logged). */
export function toApiAnswer(e: unknown): ApiAnswer | undefined {
  if (e instanceof ApiError) return { status: e.status, body: { error: e.message } };
  for (const [type, status, extra] of TABLE) {
    if (e instanceof type) return { status, body: { error: e.message, ...extra?.(e as never) } };
  }
  return undefined;
}
