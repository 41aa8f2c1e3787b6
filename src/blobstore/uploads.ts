// Client upload sessions on disk: uploads/<uuid>, appended by PATCH and PUT.
// The bytes are hashed once at the end (PendingBlob.adopt), which keeps
// resumable uploads correct across restarts without saving hash state.
import { open, readdir, stat, writeFile } from "node:fs/promises";
import { SizeMismatch } from "./errors.ts";
import { fileWriter, pipeToFile, removeQuietly } from "./files.ts";
import { uploadPath } from "./paths.ts";
import { chargeThen } from "./space.ts";
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
   * Appends a stream; returns the new total size. With `exactBytes` (a chunk's
   * Content-Range), a stream that is longer (TooLarge, as soon as it passes)
   * or shorter (SizeMismatch) is refused. Whatever makes the append fail — a
   * wrong length, a full disk, a client that vanished — the file is truncated
   * back to where it was: a refused chunk leaves nothing behind, the session
   * stays resumable from its old offset, and the space is given back at once.
   */
  async append(id: string, source: ReadableStream<Uint8Array>, exactBytes?: number): Promise<number> {
    const path = uploadPath(this.store.paths, id);
    const file = await open(path, "a");
    const before = (await file.stat()).size;
    const space = this.store.space;
    let charged = 0;
    try {
      const bytes = await pipeToFile(source, fileWriter(file, path), {
        limit: exactBytes,
        charge: (n) => chargeThen(space, n, (c) => (charged += c)),
      });
      if (exactBytes !== undefined && bytes !== exactBytes) throw new SizeMismatch(exactBytes, bytes);
      await file.sync();
      return (await file.stat()).size;
    } catch (e) {
      await file.truncate(before).catch(() => {});
      if (charged > 0) space.credit(charged);
      throw e;
    } finally {
      await file.close();
    }
  }

  /** Ids of the upload files on disk, with their last modification (ms since the epoch). */
  async list(): Promise<{ id: string; modifiedMs: number }[]> {
    const out: { id: string; modifiedMs: number }[] = [];
    for (const name of await readdir(this.store.paths.uploads).catch(() => [] as string[])) {
      if (!/^[a-f0-9-]{36}$/.test(name)) continue;
      const info = await stat(uploadPath(this.store.paths, name)).catch(() => undefined);
      if (info) out.push({ id: name, modifiedMs: info.mtimeMs });
    }
    return out;
  }

  async remove(id: string): Promise<void> {
    const size = await this.size(id);
    await removeQuietly(uploadPath(this.store.paths, id));
    if (size) this.store.space.credit(size);
  }
}
