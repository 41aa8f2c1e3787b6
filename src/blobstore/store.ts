// The content-addressed blob store. A file under blobs/ always holds exactly
// the bytes of its digest: writes go to tmp/, are fsynced and verified, and
// only then renamed into place (see paths.ts for the layout).
import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, rm, stat, statfs } from "node:fs/promises";
import { join } from "node:path";
import { type Algorithm, Digester, parseDigest } from "../oci/digest.ts";
import { DigestMismatch, SizeMismatch } from "./errors.ts";
import { hashFile, pipeToFile, promote, removeQuietly } from "./files.ts";
import { blobPath, type StorePaths, storePaths, uploadPath } from "./paths.ts";

export class BlobStore {
  readonly paths: StorePaths;

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

  /** A fresh temporary file path under tmp/. */
  tempPath(): string {
    return join(this.paths.tmp, randomUUID());
  }

  /**
   * Streams `source` into the store under `expected`. The file appears under
   * its digest only if the bytes hash to it (and match `expectedSize`, when given).
   * `onChunk` sees each chunk after it was written (used to tee to clients).
   */
  async write(expected: string, source: ReadableStream<Uint8Array>, options: { expectedSize?: number; onChunk?: (c: Uint8Array) => void } = {}): Promise<number> {
    const { algorithm } = parseDigest(expected)!;
    const tmp = this.tempPath();
    const digester = new Digester(algorithm);
    const file = await open(tmp, "w");
    let bytes: number;
    try {
      bytes = await pipeToFile(source, file, { digester, onChunk: options.onChunk, path: tmp });
      await file.sync();
    } catch (e) {
      await file.close().catch(() => {});
      await removeQuietly(tmp);
      throw e;
    }
    await file.close();
    return this.verifyAndPromote(tmp, expected, digester.digest(), bytes, options.expectedSize);
  }

  /** Writes bytes that are already in memory (manifests pulled by digest, small configs). */
  async writeBytes(expected: string, bytes: Uint8Array): Promise<number> {
    return this.write(expected, new Blob([bytes as Uint8Array<ArrayBuffer>]).stream());
  }

  /** Moves a finished upload into the store after hashing it; the upload file is consumed. */
  async commitUpload(id: string, expected: string): Promise<number> {
    const { algorithm } = parseDigest(expected)!;
    const from = uploadPath(this.paths, id);
    const { bytes, digest } = await hashFile(from, algorithm as Algorithm);
    if (digest !== expected) throw new DigestMismatch(expected, digest);
    const tmp = this.tempPath();
    // Rename to tmp first so the upload id can never be resumed onto a file that is being promoted.
    await promote(from, tmp);
    const handle = await open(tmp, "r");
    await handle.sync().finally(() => handle.close());
    return this.verifyAndPromote(tmp, expected, digest, bytes, undefined);
  }

  private async verifyAndPromote(tmp: string, expected: string, actual: string, bytes: number, expectedSize: number | undefined): Promise<number> {
    if (actual !== expected) {
      await removeQuietly(tmp);
      throw new DigestMismatch(expected, actual);
    }
    if (expectedSize !== undefined && bytes !== expectedSize) {
      await removeQuietly(tmp);
      throw new SizeMismatch(expectedSize, bytes);
    }
    await promote(tmp, this.path(expected));
    return bytes;
  }

  async delete(digest: string): Promise<void> {
    await removeQuietly(this.path(digest));
  }

  /** Free bytes on the filesystem holding the store. */
  async freeBytes(): Promise<number> {
    const s = await statfs(this.paths.root);
    return Number(s.bavail) * Number(s.bsize);
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
