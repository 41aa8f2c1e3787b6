// Immutability as one unit: the engine (compiled policies), the registry's
// guard, policy management, dry runs and tag marks, sharing one cache.
import type { Db } from "../db/client.ts";
import type { TagGuard } from "../repository/guard.ts";
import type { Logger } from "../telemetry/log.ts";
import type { Policy } from "./types.ts";
import { dryRun, type DryRun } from "./dry-run.ts";
import { ImmutabilityEngine } from "./engine.ts";
import { createPolicyGuard } from "./guard.ts";
import { PolicyService } from "./policies.ts";
import type { Scope } from "./scope.ts";
import { TagMarks } from "./tags.ts";

export * from "./errors.ts";
export type { DryRun } from "./dry-run.ts";
export type { NewPolicy, PolicyChange } from "./policies.ts";
export type { Scope } from "./scope.ts";
export type { TagPage, TagQuery, TagView } from "./tags.ts";

export interface Immutability {
  engine: ImmutabilityEngine;
  guard: TagGuard;
  policies: PolicyService;
  tags: TagMarks;
  dryRun(scope: Scope, rule: Pick<Policy, "tagPattern" | "tagPatternMatches">, options?: { limit?: number; except?: string }): DryRun;
}

export interface ImmutabilityDeps {
  db: Db;
  log: Logger;
  upstreams: readonly string[];
  now?: () => number;
}

export function createImmutability(deps: ImmutabilityDeps): Immutability {
  const engine = new ImmutabilityEngine(deps.db, deps.log);
  const started = performance.now();
  const active = engine.warm();
  if (active > 0) deps.log.info("immutability policies compiled", { active, ms: Math.round(performance.now() - started) });
  return {
    engine,
    guard: createPolicyGuard(engine, deps.log),
    policies: new PolicyService(deps),
    tags: new TagMarks({ db: deps.db, log: deps.log, engine }),
    dryRun: (scope, rule, options = {}) => dryRun({ db: deps.db, engine, upstreams: deps.upstreams }, scope, rule, options.limit, options.except),
  };
}
