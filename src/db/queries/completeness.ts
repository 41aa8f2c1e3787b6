// What cached content is missing: blobs that stored manifests reference but
// the store does not hold, and index children not stored in the repository.
// Read-only; the prefetcher decides what to queue from these rows.
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { manifestRefs, manifests, repositories, tags } from "../schema.ts";

export interface MissingRef {
  repository: string;
  /** The manifest that references it. */
  parentDigest: string;
  digest: string;
  size: number;
  /** Index children only: "os/arch[/variant]" or null. */
  platform: string | null;
}

const missingBlob = sql`not exists (select 1 from blobs b where b.digest = ${manifestRefs.digest})`;
const missingChild = sql`not exists (select 1 from manifests c where c.repository_id = ${manifests.repositoryId} and c.digest = ${manifestRefs.digest})`;

function missing(db: Db, kind: "blob" | "manifest"): MissingRef[] {
  return db
    .select({ repository: repositories.name, parentDigest: manifests.digest, digest: manifestRefs.digest, size: manifestRefs.size, platform: manifestRefs.platform })
    .from(manifestRefs)
    .innerJoin(manifests, eq(manifests.id, manifestRefs.manifestId))
    .innerJoin(repositories, eq(repositories.id, manifests.repositoryId))
    .where(and(eq(manifestRefs.kind, kind), kind === "blob" ? missingBlob : missingChild))
    .all();
}

/** Config and layer blobs of every stored manifest that are not in the store. */
export const missingBlobs = (db: Db) => missing(db, "blob");

/** Index children that are not stored in their index's repository (filter by platform in the caller). */
export const missingChildren = (db: Db) => missing(db, "manifest");

export interface RefState {
  kind: "blob" | "manifest";
  digest: string;
  size: number;
  mediaType: string;
  platform: string | null;
  /** The blob is in the store, or the child manifest is stored in the repository. */
  present: boolean;
}

/** The references of one manifest and whether each is held. */
export function refStates(db: Db, manifestId: number): RefState[] {
  const present = sql<number>`case when ${manifestRefs.kind} = 'blob' then exists (select 1 from blobs b where b.digest = ${manifestRefs.digest})
    else exists (select 1 from manifests c where c.repository_id = ${manifests.repositoryId} and c.digest = ${manifestRefs.digest}) end`;
  return db
    .select({ kind: manifestRefs.kind, digest: manifestRefs.digest, size: manifestRefs.size, mediaType: manifestRefs.mediaType, platform: manifestRefs.platform, present })
    .from(manifestRefs)
    .innerJoin(manifests, eq(manifests.id, manifestRefs.manifestId))
    .where(eq(manifestRefs.manifestId, manifestId))
    .all()
    .map((r) => ({ ...r, present: Boolean(r.present) }));
}

export interface TaggedManifest {
  repository: string;
  tag: string;
  manifestId: number;
  digest: string;
  mediaType: string;
  size: number;
  confirmedAt: number | null;
}

/** Every tag with its manifest, in repository and tag order. */
export function taggedManifests(db: Db): TaggedManifest[] {
  return db
    .select({ repository: repositories.name, tag: tags.name, manifestId: manifests.id, digest: manifests.digest, mediaType: manifests.mediaType, size: manifests.size, confirmedAt: tags.confirmedAt })
    .from(tags)
    .innerJoin(manifests, eq(manifests.id, tags.manifestId))
    .innerJoin(repositories, eq(repositories.id, tags.repositoryId))
    .orderBy(repositories.name, tags.name)
    .all();
}

/** The id of a manifest stored in a repository (by names, for the prefetcher). */
export function manifestIdIn(db: Db, repository: string, digest: string): number | undefined {
  return db
    .select({ id: manifests.id })
    .from(manifests)
    .innerJoin(repositories, eq(repositories.id, manifests.repositoryId))
    .where(and(eq(repositories.name, repository), eq(manifests.digest, digest)))
    .get()?.id;
}
