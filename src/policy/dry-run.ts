// What a policy would protect, computed without storing it: the count and the
// names of the existing tags in its scope, and how many of them are not
// immutable yet. Read in one transaction, so the figures are one snapshot.
import type { Db } from "../db/client.ts";
import { findSameRule } from "../db/queries/policies.ts";
import { tagNamesInScope } from "../db/queries/tag-marks.ts";
import { protectionTest } from "./evaluate.ts";
import type { Policy } from "./types.ts";
import type { ImmutabilityEngine } from "./engine.ts";
import { checkPattern } from "./policies.ts";
import { checkScopeKnown, type Scope } from "./scope.ts";

export interface DryRun {
  /** Existing tags in scope the policy would make immutable. */
  wouldProtect: number;
  /** Of those, the ones not immutable already (by another policy or by hand). */
  newlyProtected: number;
  /** The protected tags, at most `limit` of them, in repository and tag order. */
  tags: { repository: string; tag: string }[];
  truncated: boolean;
  /** A stored policy with the same rule, which a real create would collide with. */
  duplicateOf?: string;
}

export interface DryRunDeps {
  db: Db;
  engine: ImmutabilityEngine;
  upstreams: readonly string[];
}

export function dryRun(deps: DryRunDeps, scope: Scope, rule: Pick<Policy, "tagPattern" | "tagPatternMatches">, limit = 1000, except?: string): DryRun {
  checkPattern(rule.tagPattern);
  const wouldProtect = protectionTest(rule);
  return deps.db.transaction(() => {
    checkScopeKnown(deps.db, deps.upstreams, scope);
    const result: DryRun = { wouldProtect: 0, newlyProtected: 0, tags: [], truncated: false };
    const decide = deps.engine.decider();
    for (const row of tagNamesInScope(deps.db, scope.namespace, scope.repository)) {
      if (!wouldProtect(row.name)) continue;
      result.wouldProtect++;
      if (!decide(row.repository, row.name, row.immutable).immutable) result.newlyProtected++;
      if (result.tags.length < limit) result.tags.push({ repository: row.repository, tag: row.name });
      else result.truncated = true;
    }
    const same = findSameRule(deps.db, { ...scope, ...rule }, except);
    if (same) result.duplicateOf = same.uuid;
    return result;
  });
}
