// What the registry operations need: the database, the blob store, limits,
// and the guard that enforces tag immutability (the policy engine plugs in here).
import type { BlobStore } from "../blobstore/store.ts";
import type { UploadFiles } from "../blobstore/uploads.ts";
import type { Db } from "../db/client.ts";
import type { TagGuard } from "../repository/guard.ts";

export interface RegistryContext {
  db: Db;
  store: BlobStore;
  uploads: UploadFiles;
  guard: TagGuard;
  maxManifestBytes: number;
  /** The clock (milliseconds since the epoch); injected so tests can move it. */
  now: () => number;
}
