// The one place where immutability errors become admin API answers:
// {"error": message, ...} with the status an operator's script can act on.
import * as E from "../policy/errors.ts";
import { ApiError } from "./app.ts";

export interface ApiAnswer {
  status: 400 | 404 | 409;
  body: { error: string; [key: string]: unknown };
}

export function toApiAnswer(e: unknown): ApiAnswer | undefined {
  if (e instanceof ApiError) return { status: e.status, body: { error: e.message } };
  if (e instanceof E.PolicyInvalid || e instanceof E.NamespaceUnknown) return { status: 400, body: { error: e.message } };
  if (e instanceof E.RepositoryUnknown || e instanceof E.TagUnknown || e instanceof E.PolicyNotFound) return { status: 404, body: { error: e.message } };
  if (e instanceof E.PolicyDuplicate) return { status: 409, body: { error: e.message, uuid: e.existing } };
  if (e instanceof E.PolicyUuidTaken) return { status: 409, body: { error: e.message } };
  if (e instanceof E.TagPolicyProtected) return { status: 409, body: { error: e.message, policy: e.policy } };
  return undefined;
}
