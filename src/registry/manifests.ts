// Manifest operations on local repositories: get, put (with reference checks),
// delete by digest or tag. Bytes are stored exactly as received.
import { ensureRepository, findRepositoryId } from "../db/queries/repositories.ts";
import { findLinkedBlob } from "../db/queries/blobs.ts";
import { deleteManifestRow, existingManifestDigests, findManifest, findManifestById, insertManifest, type StoredManifest } from "../db/queries/manifests.ts";
import { deleteTagRow, findTag, tagsOfManifest, upsertTag } from "../db/queries/tags.ts";
import { digestOf, parseDigest } from "../oci/digest.ts";
import { InvalidManifest, type ParsedManifest, parseManifest, referencesOf } from "../oci/manifest.ts";
import type { PutResult } from "../repository/types.ts";
import type { RegistryContext } from "./context.ts";
import { DigestInvalid, ManifestBlobUnknown, ManifestInvalid, ManifestUnknown, NameUnknown } from "../repository/errors.ts";
import { checkName, parseLookupReference, parseReference } from "../repository/validate.ts";

export function getManifest(ctx: RegistryContext, name: string, reference: string): StoredManifest {
  checkName(name);
  const ref = parseLookupReference(reference);
  const repositoryId = findRepositoryId(ctx.db, name);
  if (repositoryId === undefined) throw new NameUnknown(`repository ${name} is not known`);
  const found = ref.kind === "digest" ? findManifest(ctx.db, repositoryId, ref.digest) : lookupTag(ctx, repositoryId, ref.tag);
  if (!found) throw new ManifestUnknown(`manifest ${reference} is not in ${name}`);
  return found;
}

function lookupTag(ctx: RegistryContext, repositoryId: number, tag: string): StoredManifest | undefined {
  const row = findTag(ctx.db, repositoryId, tag);
  return row ? findManifestById(ctx.db, row.manifestId) : undefined;
}

function parseOrReject(bytes: Uint8Array, contentType: string | undefined): ParsedManifest {
  try {
    return parseManifest(bytes, contentType);
  } catch (e) {
    if (e instanceof InvalidManifest) throw new ManifestInvalid(`invalid manifest: ${e.message}`);
    throw e;
  }
}


export function putManifest(ctx: RegistryContext, name: string, reference: string, bytes: Uint8Array, contentType: string | undefined): PutResult {
  checkName(name);
  const ref = parseReference(reference);
  const algorithm = ref.kind === "digest" ? parseDigest(ref.digest)!.algorithm : "sha256";
  const digest = digestOf(bytes, algorithm);
  if (ref.kind === "digest" && ref.digest !== digest) throw new DigestInvalid(`manifest digest is ${digest}, not ${ref.digest}`);
  const parsed = parseOrReject(bytes, contentType);

  let result: PutResult = { digest };
  ctx.db.transaction(() => {
    const repositoryId = ensureRepository(ctx.db, name);
    checkReferencesPresent(ctx, repositoryId, parsed);
    const manifestId = insertManifest(ctx.db, {
      repositoryId,
      digest,
      mediaType: parsed.mediaType,
      content: bytes,
      artifactType: parsed.artifactType,
      subjectDigest: parsed.subject?.digest,
      annotations: parsed.annotations,
      refs: referencesOf(parsed),
    }, ctx.now());
    if (ref.kind === "tag") {
      const current = findTag(ctx.db, repositoryId, ref.tag);
      if (current?.digest !== digest) ctx.guard.checkRetag(name, ref.tag, current?.digest, digest);
      upsertTag(ctx.db, repositoryId, ref.tag, manifestId, null, ctx.now());
    }
    result = { digest, subject: parsed.subject?.digest };
  }, { behavior: "immediate" });
  return result;
}

function checkReferencesPresent(ctx: RegistryContext, repositoryId: number, parsed: ParsedManifest): void {
  for (const blob of parsed.blobs) {
    if (!findLinkedBlob(ctx.db, repositoryId, blob.digest)) throw new ManifestBlobUnknown(`blob ${blob.digest} is not in this repository`, { digest: blob.digest });
  }
  const children = parsed.manifests.map((m) => m.digest);
  const present = existingManifestDigests(ctx.db, repositoryId, children);
  for (const child of children) {
    if (!present.has(child)) throw new ManifestBlobUnknown(`manifest ${child} is not in this repository`, { digest: child });
  }
}

/** DELETE by digest removes the manifest and its tags; DELETE by tag removes only the tag. */
export function deleteManifest(ctx: RegistryContext, name: string, reference: string): void {
  checkName(name);
  const ref = parseLookupReference(reference);
  ctx.db.transaction(() => {
    const repositoryId = findRepositoryId(ctx.db, name);
    if (repositoryId === undefined) throw new NameUnknown(`repository ${name} is not known`);
    if (ref.kind === "tag") {
      const tag = findTag(ctx.db, repositoryId, ref.tag);
      if (!tag) throw new ManifestUnknown(`tag ${ref.tag} is not in ${name}`);
      ctx.guard.checkDelete(name, ref.tag, tag.digest);
      deleteTagRow(ctx.db, tag.id);
      return;
    }
    const manifest = findManifest(ctx.db, repositoryId, ref.digest);
    if (!manifest) throw new ManifestUnknown(`manifest ${ref.digest} is not in ${name}`);
    for (const tag of tagsOfManifest(ctx.db, manifest.id)) ctx.guard.checkDelete(name, tag.name, ref.digest);
    deleteManifestRow(ctx.db, manifest.id);
  }, { behavior: "immediate" });
}
