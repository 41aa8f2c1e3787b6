// drizzle table definitions. They mirror migrations.ts exactly; the migrations
// are the source of truth for the file on disk, these are the typed view of it.
import { sql } from "drizzle-orm";
import { blob, integer, primaryKey, sqliteTable, text, uniqueIndex, index } from "drizzle-orm/sqlite-core";

export const repositories = sqliteTable("repositories", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  createdAt: integer("created_at").notNull().default(sql`(unixepoch('subsec') * 1000)`),
});

/** Every verified blob file in the store, once, whichever repositories use it. */
export const blobs = sqliteTable("blobs", {
  digest: text("digest").primaryKey(),
  size: integer("size").notNull(),
  createdAt: integer("created_at").notNull(),
});

/** Which repository may serve which blob (uploads, mounts and manifests link them). */
export const repositoryBlobs = sqliteTable(
  "repository_blobs",
  {
    repositoryId: integer("repository_id").notNull().references(() => repositories.id, { onDelete: "cascade" }),
    digest: text("digest").notNull().references(() => blobs.digest, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.repositoryId, t.digest] })],
);

export const manifests = sqliteTable(
  "manifests",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    repositoryId: integer("repository_id").notNull().references(() => repositories.id, { onDelete: "cascade" }),
    digest: text("digest").notNull(),
    mediaType: text("media_type").notNull(),
    content: blob("content", { mode: "buffer" }).notNull(),
    size: integer("size").notNull(),
    artifactType: text("artifact_type"),
    subjectDigest: text("subject_digest"),
    annotations: text("annotations"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("manifests_repo_digest").on(t.repositoryId, t.digest), index("manifests_subject").on(t.repositoryId, t.subjectDigest)],
);

/** What a manifest references: kind "blob" (config, layers) or "manifest" (index children). */
export const manifestRefs = sqliteTable(
  "manifest_refs",
  {
    manifestId: integer("manifest_id").notNull().references(() => manifests.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["blob", "manifest"] }).notNull(),
    digest: text("digest").notNull(),
    size: integer("size").notNull(),
    mediaType: text("media_type").notNull(),
    /** "os/arch[/variant]" for index children, else null. */
    platform: text("platform"),
  },
  (t) => [primaryKey({ columns: [t.manifestId, t.kind, t.digest] }), index("manifest_refs_digest").on(t.digest)],
);

export const tags = sqliteTable(
  "tags",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    repositoryId: integer("repository_id").notNull().references(() => repositories.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    manifestId: integer("manifest_id").notNull().references(() => manifests.id, { onDelete: "cascade" }),
    updatedAt: integer("updated_at").notNull(),
    /** Last time an upstream confirmed this tag's digest (ms); null for local tags. ttl and staleness count from here. */
    confirmedAt: integer("confirmed_at"),
    /** Marked immutable by hand (policies are evaluated separately). */
    immutable: integer("immutable", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [uniqueIndex("tags_repo_name").on(t.repositoryId, t.name), index("tags_manifest").on(t.manifestId)],
);

/** Blob upload sessions; the bytes live in the blob store's uploads/ folder. */
export const uploads = sqliteTable("uploads", {
  id: text("id").primaryKey(),
  repositoryId: integer("repository_id").notNull().references(() => repositories.id, { onDelete: "cascade" }),
  size: integer("size").notNull().default(0),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
