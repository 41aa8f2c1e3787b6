// Blob uploads: monolithic (POST ?digest=), chunked (POST, PATCH…, PUT ?digest=),
// cross-repository mount, status and cancel. Bytes land in uploads/<id> and
// reach the store only through BlobStore.commitUpload, which verifies the digest.
import { randomUUID } from "node:crypto";
import { recordBlob } from "../db/queries/blobs.ts";
import { ensureRepository, findRepositoryId } from "../db/queries/repositories.ts";
import { deleteUpload, findUpload, insertUpload, setUploadSize } from "../db/queries/uploads.ts";
import { DigestMismatch, SizeMismatch, TooLarge } from "../blobstore/errors.ts";
import { isDigest } from "../oci/digest.ts";
import { isValidName } from "../oci/names.ts";
import type { UploadState } from "../repository/types.ts";
import type { RegistryContext } from "./context.ts";
import { mountBlob } from "./blobs.ts";
import { asOnlyWriter } from "./upload-lock.ts";
import { leases } from "../lifecycle/leases.ts";
import { DigestInvalid, RangeInvalid, UploadInvalid, UploadUnknown } from "../repository/errors.ts";
import { checkDigest, checkName } from "../repository/validate.ts";


export async function startUpload(ctx: RegistryContext, name: string): Promise<UploadState> {
  checkName(name);
  const repositoryId = ensureRepository(ctx.db, name);
  const id = randomUUID();
  await ctx.uploads.create(id);
  insertUpload(ctx.db, id, repositoryId, ctx.now());
  return { id, size: 0 };
}

/**
 * POST with ?mount=&from=: true when the blob was linked without an upload.
 * A digest or `from` that is not valid is a mount that is not possible: the
 * spec has the registry fall back to an upload session then, not refuse.
 */
export function tryMount(ctx: RegistryContext, name: string, digest: string, from: string | undefined): boolean {
  checkName(name);
  if (!isDigest(digest) || (from !== undefined && !isValidName(from))) return false;
  const repositoryId = ensureRepository(ctx.db, name);
  return mountBlob(ctx, repositoryId, digest, from);
}

function sessionOf(ctx: RegistryContext, name: string, id: string): { repositoryId: number; size: number } {
  checkName(name);
  const row = /^[a-f0-9-]{36}$/.test(id) ? findUpload(ctx.db, id) : undefined;
  if (!row || row.repositoryId !== findRepositoryId(ctx.db, name)) throw new UploadUnknown(`upload ${id.slice(0, 64)} is not known in ${name}`);
  return row;
}

/**
 * The upload's size as its file has it. The row is updated only after a chunk ends, so a
 * crash (kill -9) in the middle of a chunk leaves the row behind the file; appends go to
 * the end of the file, so the file is the truth and the row is corrected from it.
 */
async function sizeOnDisk(ctx: RegistryContext, id: string, recorded: number): Promise<number> {
  const onDisk = await ctx.uploads.size(id);
  if (onDisk === undefined || onDisk === recorded) return recorded;
  setUploadSize(ctx.db, id, onDisk, ctx.now());
  return onDisk;
}

export async function uploadStatus(ctx: RegistryContext, name: string, id: string): Promise<UploadState> {
  return { id, size: await sizeOnDisk(ctx, id, sessionOf(ctx, name, id).size) };
}

/**
 * PATCH: appends a chunk. Chunks must arrive in order: a Content-Range that does
 * not start where the upload ends is refused (416) and nothing is appended.
 */
export function appendChunk(ctx: RegistryContext, name: string, id: string, body: ReadableStream<Uint8Array> | null, range: { start: number; end: number } | undefined): Promise<UploadState> {
  return asOnlyWriter(id, () => busy(ctx, name, id), () => writeChunk(ctx, name, id, body, range));
}

/** The refusal of a second writer (see upload-lock.ts), with the resume point as recorded. */
function busy(ctx: RegistryContext, name: string, id: string): RangeInvalid {
  const { size } = sessionOf(ctx, name, id);
  return new RangeInvalid(`another request is still writing to upload ${id}; ask for its status and resume from there`, size);
}

async function writeChunk(ctx: RegistryContext, name: string, id: string, body: ReadableStream<Uint8Array> | null, range: { start: number; end: number } | undefined): Promise<UploadState> {
  let size = await sizeOnDisk(ctx, id, sessionOf(ctx, name, id).size);
  if (range && range.start !== size) {
    throw new RangeInvalid(`chunk starts at ${range.start} but the upload has ${size} bytes`, size);
  }
  if (body) {
    const announced = range ? range.end - range.start + 1 : undefined;
    try {
      size = await ctx.uploads.append(id, body, announced);
    } catch (e) {
      // append() rolled the file back: a refused chunk appends nothing.
      if (e instanceof SizeMismatch || e instanceof TooLarge) {
        throw new UploadInvalid(`chunk announced bytes ${range!.start}-${range!.end} but sent ${e instanceof SizeMismatch ? e.actual : "more"} bytes; nothing was appended`, { size });
      }
      throw e;
    } finally {
      // The row follows the file, whatever happened (a crash mid-chunk is corrected by sizeOnDisk).
      const onDisk = await ctx.uploads.size(id);
      if (onDisk !== undefined) setUploadSize(ctx.db, id, onDisk, ctx.now());
    }
  } else if (range && range.end >= range.start) {
    throw new UploadInvalid(`chunk announced bytes ${range.start}-${range.end} but sent none`, { size });
  }
  return { id, size };
}

/** PUT ?digest=: appends an optional last chunk, verifies, and stores the blob. */
export async function finishUpload(ctx: RegistryContext, name: string, id: string, digest: string | undefined, body: ReadableStream<Uint8Array> | null): Promise<string> {
  sessionOf(ctx, name, id);
  if (!digest) throw new DigestInvalid("the digest query parameter is required to finish an upload");
  checkDigest(digest);
  // Exclusive from the last chunk to the commit: a PATCH must not append to a file being hashed.
  return asOnlyWriter(id, () => busy(ctx, name, id), async () => {
    if (body) await writeChunk(ctx, name, id, body, undefined);
    const { repositoryId } = sessionOf(ctx, name, id);
    let size: number;
    const pending = ctx.store.pending(digest);
    // From the file's move into the store until its row exists: GC must not take the digest.
    const release = leases.acquire(digest);
    try {
      await pending.adopt(ctx.uploads.path(id));
      await pending.verify();
      size = await pending.commit();
    } catch (e) {
      await pending.discard();
      if (e instanceof DigestMismatch) {
        // The session is spent: the bytes do not match and must not be retried into the store.
        await cancelUpload(ctx, name, id);
        throw new DigestInvalid(`uploaded content has digest ${e.actual}, not ${digest}`, { digest });
      }
      release();
      throw e;
    }
    try {
      ctx.db.transaction(() => {
        recordBlob(ctx.db, digest, size, repositoryId, ctx.now());
        deleteUpload(ctx.db, id);
      });
    } finally {
      release();
    }
    return digest;
  });
}

export async function cancelUpload(ctx: RegistryContext, name: string, id: string): Promise<void> {
  sessionOf(ctx, name, id);
  // The file first: on a full disk, deleting the row needs space (SQLite's journal) and may
  // fail; removing the file never does, and frees what the row would otherwise pin forever.
  await ctx.uploads.remove(id);
  deleteUpload(ctx.db, id);
}

/** POST ?digest= with the whole body: one request upload. */
export async function monolithicUpload(ctx: RegistryContext, name: string, digest: string, body: ReadableStream<Uint8Array> | null): Promise<string> {
  checkDigest(digest);
  const { id } = await startUpload(ctx, name);
  return finishUpload(ctx, name, id, digest, body);
}
