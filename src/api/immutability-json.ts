// The JSON shapes of the immutability endpoints: Quay's field names
// (uuid, tagPattern, tagPatternMatches; tags with name and manifest_digest)
// plus what regcache adds (active, scope, times, why a tag is immutable).
import type { Policy } from "../policy/types.ts";
import { scopeOf } from "../policy/types.ts";
import type { DryRun, TagView } from "../policy/index.ts";

export function policyJson(p: Policy) {
  return {
    uuid: p.uuid,
    tagPattern: p.tagPattern,
    tagPatternMatches: p.tagPatternMatches,
    active: p.active,
    scope: scopeOf(p),
    namespace: p.namespace,
    repository: p.repository,
    created: new Date(p.createdAt).toISOString(),
    updated: new Date(p.updatedAt).toISOString(),
  };
}

export function tagJson(t: TagView) {
  return {
    name: t.name,
    repository: t.repository,
    manifest_digest: t.digest,
    immutable: t.immutable,
    immutable_by: t.immutableBy,
    manual_immutable: t.manual,
    last_modified: new Date(t.updatedAt).toUTCString(),
  };
}

export function dryRunJson(rule: Pick<Policy, "tagPattern" | "tagPatternMatches">, d: DryRun) {
  return {
    dryRun: true,
    tagPattern: rule.tagPattern,
    tagPatternMatches: rule.tagPatternMatches,
    wouldProtect: d.wouldProtect,
    newlyProtected: d.newlyProtected,
    tags: d.tags,
    truncated: d.truncated,
    ...(d.duplicateOf ? { duplicateOf: d.duplicateOf } : {}),
  };
}
