// What a policy URL names: a namespace, or one repository in it. Checked
// before anything is written, with errors that say which part is wrong.
import type { Db } from "../db/client.ts";
import { findRepositoryId } from "../db/queries/repositories.ts";
import { namespaceHasRepositories } from "../db/queries/tag-marks.ts";
import type { Policy } from "./types.ts";
import { NamespaceUnknown, RepositoryUnknown } from "./errors.ts";

export interface Scope {
  namespace: string;
  /** The full repository name, or null for the namespace as a whole. */
  repository: string | null;
}

export const inScope = (p: Policy, scope: Scope) => p.namespace === scope.namespace && p.repository === scope.repository;

export const describeScope = (scope: Scope) => (scope.repository === null ? `namespace ${scope.namespace}` : `repository ${scope.repository}`);

/**
 * A namespace is known when it names an upstream (its repositories may not be
 * cached yet: protecting tags before the first pull is the point) or holds a
 * repository. A repository must exist, except under an upstream.
 */
export function checkScopeKnown(db: Db, upstreams: readonly string[], scope: Scope): void {
  const isUpstream = upstreams.includes(scope.namespace);
  if (!isUpstream && !namespaceHasRepositories(db, scope.namespace)) {
    const known = upstreams.length > 0 ? ` (upstreams: ${upstreams.join(", ")})` : "";
    throw new NamespaceUnknown(`namespace ${scope.namespace} is unknown: it is no upstream${known} and holds no repository`);
  }
  if (scope.repository !== null && !isUpstream && findRepositoryId(db, scope.repository) === undefined) {
    throw new RepositoryUnknown(`repository ${scope.repository} is unknown`);
  }
}
