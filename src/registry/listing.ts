// Tags list, catalog and referrers: the content discovery side of the API.
import { findReferrers } from "../db/queries/manifests.ts";
import { findRepositoryId, listRepositoryNames } from "../db/queries/repositories.ts";
import { listTagNames } from "../db/queries/tags.ts";
import { OCI_INDEX } from "../oci/media-types.ts";
import type { RegistryContext } from "./context.ts";
import { NameUnknown } from "./errors.ts";
import { checkDigest, checkName } from "./validate.ts";

/** Upper bound on one page, whatever `n` the client asks for. */
export const MAX_PAGE = 10_000;

export function listTags(ctx: RegistryContext, name: string, n: number, last: string | undefined): string[] {
  checkName(name);
  const repositoryId = findRepositoryId(ctx.db, name);
  if (repositoryId === undefined) throw new NameUnknown(`repository ${name} is not known`);
  return listTagNames(ctx.db, repositoryId, Math.min(n, MAX_PAGE), last);
}

export function listRepositories(ctx: RegistryContext, n: number, last: string | undefined): string[] {
  return listRepositoryNames(ctx.db, Math.min(n, MAX_PAGE), last);
}

export interface ReferrersIndex {
  schemaVersion: 2;
  mediaType: typeof OCI_INDEX;
  manifests: { mediaType: string; digest: string; size: number; artifactType?: string; annotations?: Record<string, string> }[];
}

/** The referrers of a subject digest, as an OCI index (empty when there are none). */
export function listReferrers(ctx: RegistryContext, name: string, subject: string, artifactType: string | undefined): ReferrersIndex {
  checkName(name);
  checkDigest(subject);
  const repositoryId = findRepositoryId(ctx.db, name);
  const rows = repositoryId === undefined ? [] : findReferrers(ctx.db, repositoryId, subject);
  const manifests = rows
    .filter((r) => artifactType === undefined || r.artifactType === artifactType)
    .map((r) => ({
      mediaType: r.mediaType,
      digest: r.digest,
      size: r.size,
      ...(r.artifactType ? { artifactType: r.artifactType } : {}),
      ...(r.annotations ? { annotations: JSON.parse(r.annotations) as Record<string, string> } : {}),
    }));
  return { schemaVersion: 2, mediaType: OCI_INDEX, manifests };
}

