// The TagGuard of the registry, backed by policies and manual marks. It runs
// inside the write's IMMEDIATE transaction: the policies it reads and the tag
// it lets through are one snapshot, and no policy change can commit in
// between (SQLite holds the write lock). A push that commits first is then
// protected by the new policy; one that comes after is judged by it. No
// ordering leaves a matching tag unprotected under an active policy.
import { TagImmutable } from "../repository/errors.ts";
import type { TagGuard } from "../repository/guard.ts";
import type { Immutability } from "./evaluate.ts";
import type { Logger } from "../telemetry/log.ts";
import type { ImmutabilityEngine } from "./engine.ts";

type Refusal = Exclude<Immutability, { immutable: false }>;

export function refusalMessage(d: Refusal, repository: string, tag: string, action: "overwrite" | "delete"): string {
  const what = action === "overwrite" ? "it cannot be pointed at another digest" : "it cannot be deleted";
  if (d.reason === "manual") return `tag ${tag} of ${repository} is marked immutable by hand; ${what}`;
  // The pattern as the operator wrote it (not JSON-escaped): it is what they will search for.
  const sense = `tags ${d.policy.tagPatternMatches ? "matching" : "not matching"} "${d.policy.tagPattern}"`;
  const scope = d.policy.repository === null ? `namespace ${d.policy.namespace}` : `repository ${d.policy.repository}`;
  return `tag ${tag} of ${repository} is immutable: policy ${d.policy.uuid} protects ${sense} in ${scope}; ${what}`;
}

export function createPolicyGuard(engine: ImmutabilityEngine, log: Logger): TagGuard {
  function check(action: "overwrite" | "delete", repository: string, tag: string, digest: string, newDigest?: string): void {
    const d = engine.decideStored(repository, tag);
    if (!d.immutable) return;
    const policy = d.reason === "policy" ? d.policy.uuid : "manual";
    log.warn("write refused: immutable tag", { action, repository, tag, digest, new_digest: newDigest, policy });
    throw new TagImmutable(refusalMessage(d, repository, tag, action), policy);
  }
  return {
    decide(repository, tag) {
      const d = engine.decideStored(repository, tag);
      return d.immutable ? { immutable: true, policy: d.reason === "policy" ? d.policy.uuid : "manual" } : { immutable: false };
    },
    checkRetag(repository, tag, currentDigest, newDigest) {
      // A new tag overwrites nothing; from its first commit on, policies protect it.
      if (currentDigest === undefined) return;
      check("overwrite", repository, tag, currentDigest, newDigest);
    },
    checkDelete(repository, tag, digest) {
      check("delete", repository, tag, digest);
    },
  };
}
