// Blob reads and deletes for local repositories.
import { findBlob, findLinkedBlob, linkBlob, touchBlob, unlinkBlob } from "../db/queries/blobs.ts";
import { findRepositoryId } from "../db/queries/repositories.ts";
import { tagsUsingBlob } from "../db/queries/tag-marks.ts";
import type { RegistryContext } from "./context.ts";
import { BlobUnknown, NameUnknown } from "../repository/errors.ts";
import { checkDigest, checkName } from "../repository/validate.ts";

export interface BlobInfo {
  digest: string;
  size: number;
  path: string;
}

/** A blob the repository may serve, with its file. */
export function statBlob(ctx: RegistryContext, name: string, digest: string): BlobInfo {
  checkName(name);
  checkDigest(digest);
  const repositoryId = findRepositoryId(ctx.db, name);
  const row = repositoryId === undefined ? undefined : findLinkedBlob(ctx.db, repositoryId, digest);
  if (!row) throw new BlobUnknown(`blob ${digest} is not in ${name}`, { digest });
  return { digest, size: row.size, path: ctx.store.path(digest) };
}

/** Unlinks a blob from a repository. The file stays while anything else may use it (garbage collection is separate). */
export function deleteBlob(ctx: RegistryContext, name: string, digest: string): void {
  checkName(name);
  checkDigest(digest);
  ctx.db.transaction(() => {
    const repositoryId = findRepositoryId(ctx.db, name);
    if (repositoryId === undefined) throw new NameUnknown(`repository ${name} is not known`);
    // A layer or config of an immutable tag's image is part of that tag: unlinking it
    // would break the tag as surely as deleting it, so the guard judges it the same way.
    for (const t of tagsUsingBlob(ctx.db, repositoryId, digest)) ctx.guard.checkDelete(name, t.tag, t.digest);
    if (!unlinkBlob(ctx.db, repositoryId, digest)) throw new BlobUnknown(`blob ${digest} is not in ${name}`, { digest });
  }, { behavior: "immediate" });
}

/** Cross-repository mount: links an existing blob of `from` into `repositoryId`. Returns false when not possible. */
export function mountBlob(ctx: RegistryContext, repositoryId: number, digest: string, from: string | undefined): boolean {
  if (from !== undefined) {
    const fromId = findRepositoryId(ctx.db, from);
    if (fromId === undefined || !findLinkedBlob(ctx.db, fromId, digest)) return false;
  } else if (!findBlob(ctx.db, digest)) {
    return false;
  }
  // A mount is a push without the bytes: the manifest that will use the blob follows, so it
  // gets the same grace period before garbage collection as an uploaded one.
  ctx.db.transaction(() => {
    linkBlob(ctx.db, repositoryId, digest);
    touchBlob(ctx.db, digest, ctx.now());
  });
  return true;
}
