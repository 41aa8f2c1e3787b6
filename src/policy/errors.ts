// Domain errors of immutability management. They say what is wrong in the
// operator's terms; src/api/immutability-errors.ts alone picks the status.

export class ImmutabilityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A body or pattern that cannot be accepted (bad shape, bad regular expression). */
export class PolicyInvalid extends ImmutabilityError {}
/** A namespace that is neither an upstream nor holds any repository. */
export class NamespaceUnknown extends ImmutabilityError {}
export class RepositoryUnknown extends ImmutabilityError {}
export class TagUnknown extends ImmutabilityError {}
/** No policy with that uuid in that scope. */
export class PolicyNotFound extends ImmutabilityError {}
/** The same rule (scope, pattern, sense) exists already; carries it. */
export class PolicyDuplicate extends ImmutabilityError {
  constructor(message: string, readonly existing: string) {
    super(message);
  }
}
/** A client-chosen uuid that names a different policy. */
export class PolicyUuidTaken extends ImmutabilityError {}
/** A manual mark cannot be lifted while a policy keeps the tag immutable anyway. */
export class TagPolicyProtected extends ImmutabilityError {
  constructor(message: string, readonly policy: string) {
    super(message);
  }
}
