// Creating, changing and deleting immutability policies. Each change is one
// row written in one IMMEDIATE transaction, and it takes effect in that same
// commit: tags are never marked one by one, so there is no batch that could
// fail half-way, no orphaned mark, and a retry after a crash finds either
// nothing (and creates) or its own policy (and is told so).
import { randomUUID } from "node:crypto";
import type { Db } from "../db/client.ts";
import { deletePolicyRow, findPolicy, findSameRule, insertPolicy, listPolicies, type PolicyFilter, updatePolicyRow } from "../db/queries/policies.ts";
import { compileTagPattern, PatternInvalid } from "./pattern/pattern.ts";
import type { Policy } from "./types.ts";
import type { Logger } from "../telemetry/log.ts";
import { PolicyDuplicate, PolicyInvalid, PolicyNotFound, PolicyUuidTaken } from "./errors.ts";
import { checkScopeKnown, describeScope, inScope, type Scope } from "./scope.ts";

export interface NewPolicy {
  tagPattern: string;
  tagPatternMatches: boolean;
  active: boolean;
  /** Chosen by the client to make the create idempotent: a retry with the same uuid gets the stored policy. */
  uuid?: string;
}

export type PolicyChange = Partial<Pick<Policy, "tagPattern" | "tagPatternMatches" | "active">>;

export interface PolicyServiceDeps {
  db: Db;
  log: Logger;
  /** Upstream names: namespaces that exist before anything is cached. */
  upstreams: readonly string[];
  now?: () => number;
}

export function checkPattern(tagPattern: string): void {
  try {
    compileTagPattern(tagPattern);
  } catch (e) {
    if (e instanceof PatternInvalid) throw new PolicyInvalid(`tagPattern ${JSON.stringify(tagPattern.slice(0, 80))}: ${e.message}`);
    throw e;
  }
}

const logFields = (p: Policy) => ({ policy: p.uuid, namespace: p.namespace, repository: p.repository, tag_pattern: p.tagPattern, tag_pattern_matches: p.tagPatternMatches, active: p.active });

export class PolicyService {
  private readonly now: () => number;

  constructor(private readonly deps: PolicyServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  list(filter: PolicyFilter = {}): Policy[] {
    return listPolicies(this.deps.db, filter);
  }

  get(scope: Scope, uuid: string): Policy {
    const policy = findPolicy(this.deps.db, uuid);
    if (!policy || !inScope(policy, scope)) throw new PolicyNotFound(`no immutability policy ${uuid} in ${describeScope(scope)}`);
    return policy;
  }

  /** `created` is false when a retry found the policy its first attempt stored. */
  create(scope: Scope, input: NewPolicy): { policy: Policy; created: boolean } {
    checkPattern(input.tagPattern);
    const { db } = this.deps;
    const result = db.transaction(() => {
      checkScopeKnown(db, this.deps.upstreams, scope);
      const rule = { namespace: scope.namespace, repository: scope.repository, tagPattern: input.tagPattern, tagPatternMatches: input.tagPatternMatches };
      if (input.uuid !== undefined) {
        const stored = findPolicy(db, input.uuid);
        if (stored && inScope(stored, scope) && stored.tagPattern === rule.tagPattern && stored.tagPatternMatches === rule.tagPatternMatches) return { policy: stored, created: false };
        if (stored) throw new PolicyUuidTaken(`uuid ${input.uuid} already names another policy`);
      }
      const same = findSameRule(db, rule);
      if (same) throw new PolicyDuplicate(`${describeScope(scope)} already has this policy: ${same.uuid} (${same.active ? "active" : "inactive"})`, same.uuid);
      const at = this.now();
      const policy: Policy = { uuid: input.uuid ?? randomUUID(), ...rule, active: input.active, createdAt: at, updatedAt: at };
      insertPolicy(db, policy);
      return { policy, created: true };
    }, { behavior: "immediate" });
    if (result.created) this.deps.log.info("immutability policy created", logFields(result.policy));
    return result;
  }

  update(scope: Scope, uuid: string, change: PolicyChange): Policy {
    if (change.tagPattern !== undefined) checkPattern(change.tagPattern);
    const { db } = this.deps;
    const result = db.transaction(() => {
      const before = this.get(scope, uuid);
      const after: Policy = { ...before, ...change };
      if (after.tagPattern === before.tagPattern && after.tagPatternMatches === before.tagPatternMatches && after.active === before.active) return { before, after: before };
      const same = findSameRule(db, after, uuid);
      if (same) throw new PolicyDuplicate(`${describeScope(scope)} already has this policy: ${same.uuid}`, same.uuid);
      const at = this.now();
      updatePolicyRow(db, uuid, change, at);
      return { before, after: { ...after, updatedAt: at } };
    }, { behavior: "immediate" });
    const { before, after } = result;
    if (after !== before) {
      const onlyActive = after.tagPattern === before.tagPattern && after.tagPatternMatches === before.tagPatternMatches;
      const msg = onlyActive ? (after.active ? "immutability policy activated" : "immutability policy deactivated") : "immutability policy updated";
      this.deps.log.info(msg, { ...logFields(after), previous_tag_pattern: before.tagPattern, previous_tag_pattern_matches: before.tagPatternMatches, previous_active: before.active });
    }
    return after;
  }

  remove(scope: Scope, uuid: string): Policy {
    const policy = this.deps.db.transaction(() => {
      const found = this.get(scope, uuid);
      deletePolicyRow(this.deps.db, uuid);
      return found;
    }, { behavior: "immediate" });
    this.deps.log.info("immutability policy deleted", logFields(policy));
    return policy;
  }
}
