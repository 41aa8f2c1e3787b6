// Domain errors of repositories, local and cached. They say what went wrong in registry terms;
// src/http/errors.ts alone decides the wire code and status for each.

export class RegistryError extends Error {
  constructor(message: string, readonly detail?: unknown) {
    super(message);
    this.name = new.target.name;
  }
}

export class NameInvalid extends RegistryError {}
export class NameUnknown extends RegistryError {}
export class ReferenceInvalid extends RegistryError {}
export class DigestInvalid extends RegistryError {}
export class ManifestUnknown extends RegistryError {}
export class ManifestInvalid extends RegistryError {}
export class ManifestBlobUnknown extends RegistryError {}
export class ManifestTooLarge extends RegistryError {}
export class BlobUnknown extends RegistryError {}
export class UploadUnknown extends RegistryError {}
export class UploadInvalid extends RegistryError {}
/** The client's request body ended in an error (it went away mid-upload): its fault, not ours. */
export class BodyIncomplete extends RegistryError {}
/** A chunk that does not continue the upload, or a Content-Range that cannot be parsed; carries the upload's size. */
export class RangeInvalid extends RegistryError {
  constructor(message: string, readonly size: number) {
    super(message, { size });
  }
}
/** A Range on a blob read that lies outside the blob. */
export class RangeNotSatisfiable extends RegistryError {
  constructor(message: string, readonly size: number) {
    super(message);
  }
}
export class Unsupported extends RegistryError {}
/** A request this registry refuses by rule: a push that would shadow an upstream's repository, a name an upstream's allow/deny refuses. */
export class Denied extends RegistryError {}
/** A query parameter (n, last) that is not what the API defines. */
export class QueryInvalid extends RegistryError {}
/** A write refused by an immutability rule; carries the policy (or "manual"). */
export class TagImmutable extends RegistryError {
  constructor(message: string, readonly policy: string) {
    super(message, { policy });
  }
}
