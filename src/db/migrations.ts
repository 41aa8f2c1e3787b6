// Schema migrations, embedded in the binary (no migrations folder to ship).
// Each entry runs once, in order, inside one transaction with the bump of
// PRAGMA user_version, so a crash mid-migration leaves the old schema intact.
// Append only: never edit a migration that has shipped.

export const MIGRATIONS: readonly string[] = [
  // 1: the registry's metadata.
  `
  CREATE TABLE repositories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL DEFAULT (unixepoch('subsec') * 1000)
  );
  CREATE TABLE blobs (
    digest TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE repository_blobs (
    repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    digest TEXT NOT NULL REFERENCES blobs(digest) ON DELETE CASCADE,
    PRIMARY KEY (repository_id, digest)
  ) WITHOUT ROWID;
  CREATE INDEX repository_blobs_digest ON repository_blobs(digest);
  CREATE TABLE manifests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    digest TEXT NOT NULL,
    media_type TEXT NOT NULL,
    content BLOB NOT NULL,
    size INTEGER NOT NULL,
    artifact_type TEXT,
    subject_digest TEXT,
    annotations TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX manifests_repo_digest ON manifests(repository_id, digest);
  CREATE INDEX manifests_subject ON manifests(repository_id, subject_digest);
  CREATE TABLE manifest_refs (
    manifest_id INTEGER NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('blob', 'manifest')),
    digest TEXT NOT NULL,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    platform TEXT,
    PRIMARY KEY (manifest_id, kind, digest)
  ) WITHOUT ROWID;
  CREATE INDEX manifest_refs_digest ON manifest_refs(digest);
  CREATE TABLE tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    manifest_id INTEGER NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
    updated_at INTEGER NOT NULL,
    confirmed_at INTEGER,
    immutable INTEGER NOT NULL DEFAULT 0
  );
  CREATE UNIQUE INDEX tags_repo_name ON tags(repository_id, name);
  CREATE INDEX tags_manifest ON tags(manifest_id);
  CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    size INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  // 2: the prefetcher's persistent download queue. A row is work still to do;
  // finished jobs are deleted, so the table stays as small as the backlog.
  `
  CREATE TABLE prefetch_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    upstream TEXT NOT NULL,
    repository TEXT NOT NULL,
    remote_name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('blob', 'manifest', 'referrers')),
    digest TEXT NOT NULL,
    size INTEGER,
    priority INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try_at INTEGER NOT NULL,
    last_error TEXT,
    last_failure TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX prefetch_jobs_key ON prefetch_jobs(repository, kind, digest);
  CREATE INDEX prefetch_jobs_due ON prefetch_jobs(state, next_try_at);
  `,
  // 3: immutability policies. No per-tag policy marks are stored: policies are
  // evaluated when a tag is written or deleted, so creating, changing or
  // deleting a policy is one row, and no crash can leave tags half-protected.
  // The generation counter moves with every change (by trigger, so a change
  // made any way at all is seen) and tells the in-memory compiled copy it is stale.
  `
  CREATE TABLE immutability_policies (
    uuid TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    repository TEXT,
    tag_pattern TEXT NOT NULL,
    tag_pattern_matches INTEGER NOT NULL CHECK (tag_pattern_matches IN (0, 1)),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX immutability_policies_rule ON immutability_policies(namespace, ifnull(repository, ''), tag_pattern, tag_pattern_matches);
  CREATE TABLE immutability_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
  );
  INSERT INTO immutability_generation (id, generation) VALUES (1, 0);
  CREATE TRIGGER immutability_policies_inserted AFTER INSERT ON immutability_policies
    BEGIN UPDATE immutability_generation SET generation = generation + 1 WHERE id = 1; END;
  CREATE TRIGGER immutability_policies_updated AFTER UPDATE ON immutability_policies
    BEGIN UPDATE immutability_generation SET generation = generation + 1 WHERE id = 1; END;
  CREATE TRIGGER immutability_policies_deleted AFTER DELETE ON immutability_policies
    BEGIN UPDATE immutability_generation SET generation = generation + 1 WHERE id = 1; END;
  `,
  // 4: disk lifecycle (issue 11): when each manifest was last pulled and how often, for
  // least-recently-pulled eviction and `regcache du`. Written in batches (lifecycle/access.ts),
  // so a warm manifest GET costs a map update, not a write. Goes with its manifest.
  `
  CREATE TABLE manifest_access (
    manifest_id INTEGER PRIMARY KEY REFERENCES manifests(id) ON DELETE CASCADE,
    last_pulled_at INTEGER NOT NULL,
    pull_count INTEGER NOT NULL
  );
  CREATE INDEX manifest_access_last ON manifest_access(last_pulled_at);
  `,
  // 5: (issue 12) passthrough upstreams' confirmations: when the upstream last accepted a
  // credential for a repository, so that outage_access = "confirmed-within" survives a restart
  // during an outage. The id is an HMAC of user, password and repository under a key derived
  // from the token key: no password, nor anything to test guesses against without that key.
  `
  CREATE TABLE passthrough_confirmations (
    id TEXT PRIMARY KEY,
    confirmed_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX passthrough_confirmations_age ON passthrough_confirmations(confirmed_at);
  `,
  // 6: where an interrupted scrub (repair) run got to: the last digest it checked, in the
  // digest order runs go in. The next scheduled run continues after it, so that a store
  // too large to scrub between two restarts is still scrubbed whole, over several runs.
  `
  CREATE TABLE scrub_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    run_id TEXT NOT NULL,
    after TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
];
