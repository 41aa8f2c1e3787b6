// Validation of names, references and digests from URLs, before they reach
// the database or the filesystem.
import { isDigest, looksLikeDigest } from "../oci/digest.ts";
import { isValidName, isValidTag, MAX_NAME_LENGTH } from "../oci/names.ts";
import { DigestInvalid, ManifestUnknown, NameInvalid, ReferenceInvalid } from "./errors.ts";

export function checkName(name: string): void {
  if (!isValidName(name)) {
    const why = name.length > MAX_NAME_LENGTH ? `longer than ${MAX_NAME_LENGTH} characters` : "must be lower-case path components of [a-z0-9] joined by . _ __ - and /";
    throw new NameInvalid(`invalid repository name ${JSON.stringify(name.slice(0, 80))}: ${why}`, { name: name.slice(0, 300) });
  }
}

export function checkDigest(digest: string): void {
  if (!isDigest(digest)) throw new DigestInvalid(`invalid digest ${JSON.stringify(digest.slice(0, 150))}: expected sha256:<64 hex> or sha512:<128 hex>`);
}

export type Reference = { kind: "tag"; tag: string } | { kind: "digest"; digest: string };

export function parseReference(reference: string): Reference {
  if (looksLikeDigest(reference)) {
    checkDigest(reference);
    return { kind: "digest", digest: reference };
  }
  if (!isValidTag(reference)) throw new ReferenceInvalid(`invalid tag ${JSON.stringify(reference.slice(0, 150))}: up to 128 of [A-Za-z0-9_.-], not starting with . or -`);
  return { kind: "tag", tag: reference };
}

/**
 * For reads and deletes: a tag outside the grammar can never have been stored,
 * so it names an unknown manifest (404), as the conformance suite expects of
 * `.INVALID_MANIFEST_NAME`. A malformed digest stays a 400 (DIGEST_INVALID).
 */
export function parseLookupReference(reference: string): Reference {
  try {
    return parseReference(reference);
  } catch (e) {
    if (e instanceof ReferenceInvalid) throw new ManifestUnknown(`manifest ${reference.slice(0, 150)} is not known: ${e.message}`);
    throw e;
  }
}
