// Queries on manifests and manifest_refs.
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { prepared } from "../prepared.ts";
import { manifestRefs, manifests } from "../schema.ts";

export interface StoredManifest {
  id: number;
  digest: string;
  mediaType: string;
  content: Uint8Array;
  size: number;
}

const columns = { id: manifests.id, digest: manifests.digest, mediaType: manifests.mediaType, content: manifests.content, size: manifests.size };

export function findManifest(db: Db, repositoryId: number, digest: string): StoredManifest | undefined {
  const query = prepared(db, "findManifest", (d) =>
    d
      .select(columns)
      .from(manifests)
      .where(and(eq(manifests.repositoryId, sql.placeholder("repositoryId")), eq(manifests.digest, sql.placeholder("digest"))))
      .prepare(),
  );
  return query.get({ repositoryId, digest });
}

export function findManifestById(db: Db, id: number): StoredManifest | undefined {
  const query = prepared(db, "findManifestById", (d) => d.select(columns).from(manifests).where(eq(manifests.id, sql.placeholder("id"))).prepare());
  return query.get({ id });
}

export interface NewManifest {
  repositoryId: number;
  digest: string;
  mediaType: string;
  content: Uint8Array;
  artifactType?: string;
  subjectDigest?: string;
  annotations?: Record<string, string>;
  refs: { kind: "blob" | "manifest"; digest: string; size: number; mediaType: string; platform?: string }[];
}

/** Inserts a manifest and its references unless the same digest is already stored; returns its id. */
export function insertManifest(db: Db, m: NewManifest, now: number): number {
  const existing = findManifest(db, m.repositoryId, m.digest);
  if (existing) return existing.id;
  const row = db
    .insert(manifests)
    .values({
      repositoryId: m.repositoryId,
      digest: m.digest,
      mediaType: m.mediaType,
      content: Buffer.from(m.content),
      size: m.content.byteLength,
      artifactType: m.artifactType ?? null,
      subjectDigest: m.subjectDigest ?? null,
      annotations: m.annotations ? JSON.stringify(m.annotations) : null,
      createdAt: now,
    })
    .returning({ id: manifests.id })
    .get();
  if (m.refs.length > 0) {
    db.insert(manifestRefs)
      .values(m.refs.map((r) => ({ manifestId: row.id, kind: r.kind, digest: r.digest, size: r.size, mediaType: r.mediaType, platform: r.platform ?? null })))
      .onConflictDoNothing()
      .run();
  }
  return row.id;
}

export function deleteManifestRow(db: Db, id: number): void {
  db.delete(manifests).where(eq(manifests.id, id)).run();
}

/** Which of `digests` are stored as manifests in the repository. */
export function existingManifestDigests(db: Db, repositoryId: number, digests: string[]): Set<string> {
  if (digests.length === 0) return new Set();
  const rows = db.select({ digest: manifests.digest }).from(manifests).where(and(eq(manifests.repositoryId, repositoryId), inArray(manifests.digest, digests))).all();
  return new Set(rows.map((r) => r.digest));
}

export interface ReferrerRow {
  digest: string;
  mediaType: string;
  size: number;
  artifactType: string | null;
  annotations: string | null;
}

export function findReferrers(db: Db, repositoryId: number, subjectDigest: string): ReferrerRow[] {
  return db
    .select({ digest: manifests.digest, mediaType: manifests.mediaType, size: manifests.size, artifactType: manifests.artifactType, annotations: manifests.annotations })
    .from(manifests)
    .where(and(eq(manifests.repositoryId, repositoryId), eq(manifests.subjectDigest, subjectDigest)))
    .orderBy(manifests.digest)
    .all();
}

/**
 * Does any manifest of the repository reference `digest` as `kind`: "blob"
 * (a config or layer) or "manifest" (a child of an index)?
 */
/** The size a manifest of this repository gives a referenced blob or child (the descriptor's), if any references it. */
export function referencedSize(db: Db, repositoryId: number, digest: string): number | undefined {
  return db
    .select({ size: manifestRefs.size })
    .from(manifestRefs)
    .innerJoin(manifests, eq(manifests.id, manifestRefs.manifestId))
    .where(and(eq(manifests.repositoryId, repositoryId), eq(manifestRefs.digest, digest)))
    .get()?.size;
}

export function isReferenced(db: Db, repositoryId: number, kind: "blob" | "manifest", digest: string): boolean {
  const row = db
    .select({ id: manifestRefs.manifestId })
    .from(manifestRefs)
    .innerJoin(manifests, eq(manifests.id, manifestRefs.manifestId))
    .where(and(eq(manifests.repositoryId, repositoryId), eq(manifestRefs.kind, kind), eq(manifestRefs.digest, digest)))
    .get();
  return row !== undefined;
}
