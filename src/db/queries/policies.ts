// Queries on immutability_policies and its generation counter.
import { and, asc, eq, isNull, ne, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { immutabilityGeneration, immutabilityPolicies as p } from "../schema.ts";
import type { Policy } from "../../policy/types.ts";

const columns = {
  uuid: p.uuid,
  namespace: p.namespace,
  repository: p.repository,
  tagPattern: p.tagPattern,
  tagPatternMatches: p.tagPatternMatches,
  active: p.active,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
};

/** Moves on every insert, update and delete of a policy (triggers of migration 3). */
export function policyGeneration(db: Db): number {
  return db.select({ g: immutabilityGeneration.generation }).from(immutabilityGeneration).where(eq(immutabilityGeneration.id, 1)).get()?.g ?? 0;
}

/** Every policy of a namespace, repository policies included, active or not. */
export function policiesOfNamespace(db: Db, namespace: string): Policy[] {
  return db.select(columns).from(p).where(eq(p.namespace, namespace)).orderBy(asc(p.createdAt), asc(p.uuid)).all();
}

export interface PolicyFilter {
  namespace?: string;
  /** A repository name, or null for namespace policies only; absent: both. */
  repository?: string | null;
}

export function listPolicies(db: Db, filter: PolicyFilter = {}): Policy[] {
  const where: SQL[] = [];
  if (filter.namespace !== undefined) where.push(eq(p.namespace, filter.namespace));
  if (filter.repository === null) where.push(isNull(p.repository));
  else if (filter.repository !== undefined) where.push(eq(p.repository, filter.repository));
  return db.select(columns).from(p).where(and(...where)).orderBy(asc(p.namespace), asc(p.createdAt), asc(p.uuid)).all();
}

export function findPolicy(db: Db, uuid: string): Policy | undefined {
  return db.select(columns).from(p).where(eq(p.uuid, uuid)).get();
}

export type PolicyRule = Pick<Policy, "namespace" | "repository" | "tagPattern" | "tagPatternMatches">;

/** A policy with the same scope, pattern and sense (other than `except`), if any. */
export function findSameRule(db: Db, rule: PolicyRule, except?: string): Policy | undefined {
  const repository = rule.repository === null ? isNull(p.repository) : eq(p.repository, rule.repository);
  const same = and(eq(p.namespace, rule.namespace), repository, eq(p.tagPattern, rule.tagPattern), eq(p.tagPatternMatches, rule.tagPatternMatches));
  return db.select(columns).from(p).where(except === undefined ? same : and(same, ne(p.uuid, except))).get();
}

export function insertPolicy(db: Db, policy: Policy): void {
  db.insert(p).values(policy).run();
}

export function updatePolicyRow(db: Db, uuid: string, change: Partial<Pick<Policy, "tagPattern" | "tagPatternMatches" | "active">>, at: number): void {
  db.update(p).set({ ...change, updatedAt: at }).where(eq(p.uuid, uuid)).run();
}

export function deletePolicyRow(db: Db, uuid: string): void {
  db.delete(p).where(eq(p.uuid, uuid)).run();
}

/** Namespaces with at least one active policy (to compile them before the first push). */
export function namespacesWithActivePolicies(db: Db): string[] {
  return db.selectDistinct({ namespace: p.namespace }).from(p).where(eq(p.active, true)).all().map((r) => r.namespace);
}
