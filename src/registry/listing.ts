// Tags list, catalog and referrers: the content discovery side of the API.
import { findReferrers } from "../db/queries/manifests.ts";
import { findRepositoryId, listRepositoryNames } from "../db/queries/repositories.ts";
import { listTagNames } from "../db/queries/tags.ts";
import { OCI_INDEX } from "../oci/media-types.ts";
import type { Page, ReferrersIndex } from "../repository/types.ts";
import type { RegistryContext } from "./context.ts";
import { NameUnknown } from "../repository/errors.ts";
import { checkDigest, checkName } from "../repository/validate.ts";

/** Upper bound on one page, whatever `n` the client asks for. */
export const MAX_PAGE = 10_000;


/** Asks for one row beyond the page: the only sure way to know whether another page exists. */
function page(fetch: (limit: number) => string[], n: number): Page {
  const limit = Math.min(n, MAX_PAGE);
  const rows = fetch(limit + 1);
  return { items: rows.slice(0, limit), more: rows.length > limit };
}

export function listTags(ctx: RegistryContext, name: string, n: number, last: string | undefined): Page {
  checkName(name);
  const repositoryId = findRepositoryId(ctx.db, name);
  if (repositoryId === undefined) throw new NameUnknown(`repository ${name} is not known`);
  return page((limit) => listTagNames(ctx.db, repositoryId, limit, last), n);
}

export function listRepositories(ctx: RegistryContext, n: number, last: string | undefined): Page {
  return page((limit) => listRepositoryNames(ctx.db, limit, last), n);
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

