// Pull-through blobs (docs/architecture.md, "cold blob" and "joiner"):
// cached → the verified file; not cached → join or start the one download of
// that digest from this upstream and stream its bytes as they arrive.
import { DigestMismatch, SizeMismatch, TooLarge } from "../blobstore/errors.ts";
import { findBlob, findLinkedBlob } from "../db/queries/blobs.ts";
import { isReferenced } from "../db/queries/manifests.ts";
import { findRepositoryId } from "../db/queries/repositories.ts";
import { BlobUnknown } from "../repository/errors.ts";
import type { BlobRead, BlobReadOptions } from "../repository/types.ts";
import { checkDigest } from "../repository/validate.ts";
import { UpstreamError } from "../upstream/index.ts";
import type { CacheContext } from "./context.ts";
import { tailStream } from "./tail-reader.ts";
import type { Target } from "./targets.ts";

export class BlobCache {
  constructor(private readonly ctx: CacheContext) {}

  async get(target: Target, digest: string, options: BlobReadOptions): Promise<BlobRead> {
    checkDigest(digest);
    const outcome = await this.lookup(target, digest, options);
    this.ctx.metrics.responses.inc({ upstream: target.upstream, kind: "blob", outcome: outcome.cache ?? "HIT" });
    return outcome;
  }

  /** A stored blob this repository may serve: one it downloaded or one its manifests reference. */
  stored(target: Target, digest: string): { size: number } | undefined {
    const db = this.ctx.db;
    const known = findBlob(db, digest);
    if (!known) return undefined;
    const repositoryId = findRepositoryId(db, target.localName);
    if (repositoryId === undefined) return undefined;
    return findLinkedBlob(db, repositoryId, digest) || isReferenced(db, repositoryId, "blob", digest) ? known : undefined;
  }

  private async lookup(target: Target, digest: string, options: BlobReadOptions): Promise<BlobRead> {
    // Other repositories go through the upstream, which decides whether they may have the blob.
    // A read writes nothing here: the repository row and the blob's link appear only
    // when a download has stored verified bytes (downloads.ts).
    const known = this.stored(target, digest);
    if (known) return { kind: "file", cache: "HIT", digest, size: known.size, path: this.ctx.store.path(digest) };
    const client = this.ctx.upstreams.get(target.upstream)!.client;
    const downloads = this.ctx.downloads;
    const ownDownload = downloads.find(target.upstream, digest) !== undefined && downloads.startedFor(target.upstream, digest) === target.remoteName;
    if (options.head && !ownDownload) {
      // A HEAD never waits for (or starts) a download of what may be gigabytes: the upstream's HEAD answers it.
      const size = await client.blobSize(target.remoteName, digest).catch((e) => {
        throw unknownUpstream(target.upstream, digest, e);
      });
      return { kind: "stream", cache: "MISS", digest, size, body: null };
    }
    if (downloads.find(target.upstream, digest) && !ownDownload) {
      // A download started for another repository of this upstream: that repository's right
      // to the blob is not this one's. One HEAD asks the upstream before this client joins.
      await client.blobSize(target.remoteName, digest).catch((e) => {
        throw unknownUpstream(target.upstream, digest, e);
      });
    }
    const download = downloads.get(target, digest, client);
    await download.started.catch((e) => {
      throw unknownUpstream(target.upstream, digest, asUpstreamFailure(target.upstream, e));
    });
    if (options.range) {
      // Ranges of a blob still arriving are rare (resumed pulls); serve them from the verified file.
      const size = await download.finished.catch((e) => {
        throw asUpstreamFailure(target.upstream, e);
      });
      return { kind: "file", cache: "MISS", digest, size, path: download.finalPath };
    }
    const body = options.head ? null : tailStream(download, 0, download.size === undefined ? undefined : download.size - 1);
    return { kind: "stream", cache: "MISS", digest, size: download.size, body };
  }
}

/** A blob the upstream does not have is unknown here too (BLOB_UNKNOWN, as for a local
 *  repository), not an outage; the detail still says where the answer came from. */
function unknownUpstream(upstream: string, digest: string, e: unknown): unknown {
  if (!(e instanceof UpstreamError) || e.failure !== "http-404") return e;
  return new BlobUnknown(`blob ${digest} not found at upstream "${upstream}"`, { upstream, failure: e.failure });
}

/** Corrupt bytes from an upstream are its failure, not the client's. */
export function asUpstreamFailure(upstream: string, e: unknown): unknown {
  if (e instanceof DigestMismatch || e instanceof SizeMismatch || e instanceof TooLarge) return new UpstreamError(upstream, "invalid-response", e.message);
  return e;
}
