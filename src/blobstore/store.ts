// The content-addressed blob store. A file under blobs/ always holds exactly
// the bytes of its digest: writes go to tmp/, are fsynced and verified, and
// only then renamed into place (pending-blob.ts; paths.ts has the layout).
import { randomUUID } from "node:crypto";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { blobPath, type StorePaths, storePaths } from "./paths.ts";
import { PendingBlob } from "./pending-blob.ts";
import { inlineSinks, type OpenSink } from "./sinks.ts";
import { type SpaceAccount, unlimitedSpace } from "./space.ts";

export class BlobStore {
  readonly paths: StorePaths;
  /** Charged for every byte written under storage.path (the quota sets it at start-up). */
  space: SpaceAccount = unlimitedSpace;
  /** Where blob bytes are hashed and written: the event loop, or the writer thread the server starts (sinks.ts). */
  sinks: OpenSink = inlineSinks;

  constructor(root: string) {
    this.paths = storePaths(root);
  }

  /** Creates the folders and removes leftovers of interrupted writes (tmp/ is never trusted). */
  async init(): Promise<void> {
    await mkdir(this.paths.blobs, { recursive: true });
    await mkdir(this.paths.uploads, { recursive: true });
    await rm(this.paths.tmp, { recursive: true, force: true });
    await mkdir(this.paths.tmp, { recursive: true });
  }

  path(digest: string): string {
    return blobPath(this.paths, digest);
  }

  /** Size of the stored file, or undefined when it is not in the store. */
  async size(digest: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(digest))).size;
    } catch {
      return undefined;
    }
  }

  /** A write of `digest` into the store (downloads and uploads alike; see pending-blob.ts). */
  pending(digest: string): PendingBlob {
    return new PendingBlob(digest, join(this.paths.tmp, randomUUID()), this.path(digest), this.space, this.sinks);
  }

  /** Digests of every file under blobs/ (for consistency checks and tests). */
  async listDigests(): Promise<string[]> {
    const out: string[] = [];
    for (const algorithm of await readdir(this.paths.blobs).catch(() => [] as string[])) {
      for (const prefix of await readdir(join(this.paths.blobs, algorithm)).catch(() => [] as string[])) {
        for (const hex of await readdir(join(this.paths.blobs, algorithm, prefix)).catch(() => [] as string[])) out.push(`${algorithm}:${hex}`);
      }
    }
    return out;
  }
}
