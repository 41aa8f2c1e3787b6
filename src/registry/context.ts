// What the registry operations need: the database, the blob store, limits,
// and the guard that enforces tag immutability (the policy engine plugs in here).
import type { BlobStore } from "../blobstore/store.ts";
import type { UploadFiles } from "../blobstore/uploads.ts";
import type { Db } from "../db/client.ts";

/** Decides whether a tag may change. Runs inside the write's transaction; throws TagImmutable to refuse. */
export interface TagGuard {
  /** A tag is about to point at `newDigest` (it pointed at `currentDigest`, if any). */
  checkRetag(repository: string, tag: string, currentDigest: string | undefined, newDigest: string): void;
  /** A tag is about to be deleted (directly, or with the manifest it points at). */
  checkDelete(repository: string, tag: string, digest: string): void;
}

export const allowAllTags: TagGuard = { checkRetag() {}, checkDelete() {} };

export interface RegistryContext {
  db: Db;
  store: BlobStore;
  uploads: UploadFiles;
  guard: TagGuard;
  maxManifestBytes: number;
}
