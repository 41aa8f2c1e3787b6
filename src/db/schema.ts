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

/** The prefetcher's download queue (migration 2). A row is work still to do; finished jobs are deleted. */
export const prefetchJobs = sqliteTable(
  "prefetch_jobs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    upstream: text("upstream").notNull(),
    /** Local repository name ("docker.io/library/nginx"). */
    repository: text("repository").notNull(),
    /** The name at the upstream ("library/nginx"). */
    remoteName: text("remote_name").notNull(),
    /** "blob": download it; "manifest": fetch an index child; "referrers": fetch signatures and SBOMs of `digest`. */
    kind: text("kind", { enum: ["blob", "manifest", "referrers"] }).notNull(),
    digest: text("digest").notNull(),
    /** Expected bytes, from the referencing descriptor. */
    size: integer("size"),
    /** Higher runs first: `regcache prefetch` asks before background completion. */
    priority: integer("priority").notNull().default(0),
    /** "queued" (retried at nextTryAt) or "failed" (gave up after max_attempts; the sweep re-arms it). */
    state: text("state", { enum: ["queued", "failed"] }).notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    nextTryAt: integer("next_try_at").notNull(),
    lastError: text("last_error"),
    /** The upstream failure class of the last error ("refused", "http-5xx", …). */
    lastFailure: text("last_failure"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("prefetch_jobs_key").on(t.repository, t.kind, t.digest), index("prefetch_jobs_due").on(t.state, t.nextTryAt)],
);

/** Immutability policies (migration 3); evaluated when tags are written, never copied onto tags. */
export const immutabilityPolicies = sqliteTable(
  "immutability_policies",
  {
    uuid: text("uuid").primaryKey(),
    namespace: text("namespace").notNull(),
    /** The full repository name for a repository policy; null for the whole namespace. */
    repository: text("repository"),
    tagPattern: text("tag_pattern").notNull(),
    tagPatternMatches: integer("tag_pattern_matches", { mode: "boolean" }).notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("immutability_policies_rule").on(t.namespace, sql`ifnull(${t.repository}, '')`, t.tagPattern, t.tagPatternMatches)],
);

/** One row: bumped by triggers on every policy change, so cached compiled policies know when they are stale. */
export const immutabilityGeneration = sqliteTable("immutability_generation", {
  id: integer("id").primaryKey(),
  generation: integer("generation").notNull(),
});

/** When each manifest was last pulled and how often (migration 4); flushed in batches. */
export const manifestAccess = sqliteTable(
  "manifest_access",
  {
    manifestId: integer("manifest_id").primaryKey().references(() => manifests.id, { onDelete: "cascade" }),
    lastPulledAt: integer("last_pulled_at").notNull(),
    pullCount: integer("pull_count").notNull(),
  },
  (t) => [index("manifest_access_last").on(t.lastPulledAt)],
);

/** issue 12 (migration 5): when a passthrough upstream last accepted a credential for a repository; id = HMAC, never a password. */
export const passthroughConfirmations = sqliteTable("passthrough_confirmations", {
  id: text("id").primaryKey(),
  confirmedAt: integer("confirmed_at").notNull(),
});

/** Migration 6: the last blob an interrupted scrub run checked (one row at most). */
export const scrubCursor = sqliteTable("scrub_cursor", {
  id: integer("id").primaryKey(),
  runId: text("run_id").notNull(),
  after: text("after").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
