// An immutability policy as the rest of regcache sees it.

export type PolicyScope = "namespace" | "repository";

export interface Policy {
  uuid: string;
  /** The first path component: an upstream's name or a local organisation. */
  namespace: string;
  /** The full repository name ("docker.io/library/nginx") for a repository policy; null for the whole namespace. */
  repository: string | null;
  /** Matched against the whole tag name. */
  tagPattern: string;
  /** true: tags that match are immutable; false: tags that do NOT match are. */
  tagPatternMatches: boolean;
  /** Only active policies are enforced. */
  active: boolean;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
}

export const scopeOf = (p: Pick<Policy, "repository">): PolicyScope => (p.repository === null ? "namespace" : "repository");
