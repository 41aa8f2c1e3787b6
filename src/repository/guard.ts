// The tag guard: whether a tag may change. Implemented by the immutability
// policies (src/policy), consulted by local and cached repositories alike.

/** Is a stored tag protected, and by what ("manual" or a policy uuid)? */
export type GuardDecision = { immutable: false } | { immutable: true; policy: string };

export interface TagGuard {
  /** Pure: reads the current policies and marks, throws nothing, writes nothing, logs nothing. */
  decide(repository: string, tag: string): GuardDecision;
  /** A tag is about to point at `newDigest` (it pointed at `currentDigest`, if any). Runs inside the write's transaction; throws TagImmutable to refuse. */
  checkRetag(repository: string, tag: string, currentDigest: string | undefined, newDigest: string): void;
  /** A tag is about to be deleted (directly, or with the manifest it points at). Throws TagImmutable to refuse. */
  checkDelete(repository: string, tag: string, digest: string): void;
}

export const allowAllTags: TagGuard = { decide: () => ({ immutable: false }), checkRetag() {}, checkDelete() {} };
