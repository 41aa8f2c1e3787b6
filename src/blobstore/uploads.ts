// Client upload sessions on disk: uploads/<uuid>, appended by PATCH and PUT.
// The bytes are hashed once at the end (PendingBlob.adopt), which keeps
// resumable uploads correct across restarts without saving hash state.
import { open, stat, writeFile } from "node:fs/promises";
import { StorageFull } from "./errors.ts";
import { pipeToFile, removeQuietly } from "./files.ts";
import { uploadPath } from "./paths.ts";
import type { BlobStore } from "./store.ts";

export class UploadFiles {
  constructor(private readonly store: BlobStore) {}

  /** The session's file (finishing an upload adopts it into the store: pending-blob.ts). */
  path(id: string): string {
    return uploadPath(this.store.paths, id);
  }

  async create(id: string): Promise<void> {
    await writeFile(uploadPath(this.store.paths, id), new Uint8Array(0));
  }

  async size(id: string): Promise<number | undefined> {
    try {
      return (await stat(uploadPath(this.store.paths, id))).size;
    } catch {
      return undefined;
    }
  }

  /**
   * Appends a stream; returns the new total size. When the disk fills up, the
   * chunk is rolled back so the session stays resumable and the space is given
   * back at once rather than when the session is cancelled or expires.
   */
  async append(id: string, source: ReadableStream<Uint8Array>): Promise<number> {
    const file = await open(uploadPath(this.store.paths, id), "a");
    const before = (await file.stat()).size;
    try {
      await pipeToFile(source, file);
      await file.sync();
      return (await file.stat()).size;
    } catch (e) {
      if (e instanceof StorageFull) await file.truncate(before).catch(() => {});
      throw e;
    } finally {
      await file.close();
    }
  }

  async remove(id: string): Promise<void> {
    await removeQuietly(uploadPath(this.store.paths, id));
  }
}
