// Pull-through blobs (DESIGN.md, "The flow of a pull", step 6): cached → the
// verified file; not cached → join or start the one download of that digest
// and stream its bytes to the client as they arrive.
import { DigestMismatch, SizeMismatch } from "../blobstore/errors.ts";
import { findBlob, findLinkedBlob, linkBlob } from "../db/queries/blobs.ts";
import { isReferenced } from "../db/queries/manifests.ts";
import { ensureRepository } from "../db/queries/repositories.ts";
import { BlobUnknown } from "../repository/errors.ts";
import { checkDigest } from "../repository/validate.ts";
import { UpstreamError } from "../upstream/index.ts";
import type { CacheContext } from "./context.ts";
import type { CacheOutcome } from "./manifests.ts";
import { tailStream } from "./tail-reader.ts";
import type { Target } from "./targets.ts";

export type BlobOutcome =
  | { kind: "file"; cache: CacheOutcome; digest: string; size: number; path: string }
  | { kind: "stream"; cache: CacheOutcome; digest: string; size: number | undefined; body: ReadableStream<Uint8Array> | null };

export class BlobCache {
  constructor(private readonly ctx: CacheContext) {}

  async get(target: Target, digest: string, method: "GET" | "HEAD", wantsRange: boolean): Promise<BlobOutcome> {
    checkDigest(digest);
    const db = this.ctx.registry.db;
    const repositoryId = ensureRepository(db, target.localName);
    const outcome = await this.lookup(target, digest, method, wantsRange, repositoryId);
    this.ctx.metrics.responses.inc({ upstream: target.upstream, kind: "blob", outcome: outcome.cache });
    return outcome;
  }

  private async lookup(target: Target, digest: string, method: "GET" | "HEAD", wantsRange: boolean, repositoryId: number): Promise<BlobOutcome> {
    const db = this.ctx.registry.db;
    const known = findBlob(db, digest);
    // A stored blob is served to a repository that uploaded it or whose manifests reference it;
    // other repositories go through the upstream, which decides whether they may have it.
    if (known && (findLinkedBlob(db, repositoryId, digest) || isReferenced(db, repositoryId, "blob", digest))) {
      linkBlob(db, repositoryId, digest);
      return { kind: "file", cache: "HIT", digest, size: known.size, path: this.ctx.registry.store.path(digest) };
    }
    const upstream = this.ctx.upstreams.get(target.upstream)!;
    const download = this.ctx.downloads.get(digest, upstream.client, target.remoteName, repositoryId);
    await download.started.catch((e) => {
      throw unknownUpstream(target.upstream, digest, e);
    });
    if (wantsRange) {
      // Ranges of a blob still arriving are rare (resumed pulls); serve them from the verified file.
      const size = await download.finished.catch((e) => {
        throw asUpstreamFailure(target.upstream, e);
      });
      return { kind: "file", cache: "MISS", digest, size, path: download.finalPath };
    }
    const body = method === "HEAD" ? null : tailStream(download, 0, download.size === undefined ? undefined : download.size - 1);
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
  if (e instanceof DigestMismatch || e instanceof SizeMismatch) return new UpstreamError(upstream, "invalid-response", e.message);
  return e;
}
