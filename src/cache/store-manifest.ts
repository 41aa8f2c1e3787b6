// Storing a manifest that came from an upstream: verified against the digest
// the upstream announced (or the one the client asked for), kept byte for
// byte, with its references recorded so the image can be completed later.
import { ensureRepository } from "../db/queries/repositories.ts";
import { insertManifest } from "../db/queries/manifests.ts";
import { findTag, upsertTag, confirmTag } from "../db/queries/tags.ts";
import { digestOf, parseDigest } from "../oci/digest.ts";
import { isManifestType, bareMediaType } from "../oci/media-types.ts";
import { TagImmutable } from "../repository/errors.ts";
import { parseOrReject, refsOf } from "../registry/manifests.ts";
import { UpstreamError, type ManifestResult } from "../upstream/index.ts";
import type { CacheContext } from "./context.ts";
import type { Target } from "./targets.ts";

export interface StoredFromUpstream {
  digest: string;
  mediaType: string;
  content: Uint8Array;
  /** The tag stayed on its old digest because an immutability rule pins it. */
  pinned?: boolean;
}

function invalid(upstream: string, why: string): UpstreamError {
  return new UpstreamError(upstream, "invalid-response", why);
}

/**
 * Verifies and stores an upstream manifest; with `tag`, points the tag at it
 * (unless the tag is immutable, in which case it stays pinned) and marks it
 * confirmed now.
 */
export function storeUpstreamManifest(ctx: CacheContext, target: Target, result: ManifestResult, expectedDigest: string | undefined, tag: string | undefined): StoredFromUpstream {
  const content = result.body;
  if (!content) throw invalid(target.upstream, "manifest response without a body");
  const algorithm = expectedDigest ? parseDigest(expectedDigest)!.algorithm : result.digest && parseDigest(result.digest) ? parseDigest(result.digest)!.algorithm : "sha256";
  const digest = digestOf(content, algorithm);
  if (expectedDigest && digest !== expectedDigest) throw invalid(target.upstream, `manifest digest ${digest} does not match the requested ${expectedDigest}`);
  if (result.digest && parseDigest(result.digest) && result.digest !== digest) throw invalid(target.upstream, `manifest digest ${digest} does not match Docker-Content-Digest ${result.digest}`);
  const declared = bareMediaType(result.mediaType);
  let parsed;
  try {
    parsed = parseOrReject(content, isManifestType(declared) ? declared : undefined);
  } catch (e) {
    throw invalid(target.upstream, (e as Error).message);
  }
  const db = ctx.registry.db;
  let stored: StoredFromUpstream = { digest, mediaType: parsed.mediaType, content };
  db.transaction(() => {
    const repositoryId = ensureRepository(db, target.localName);
    const manifestId = insertManifest(db, {
      repositoryId,
      digest,
      mediaType: parsed.mediaType,
      content,
      artifactType: parsed.artifactType,
      subjectDigest: parsed.subject?.digest,
      annotations: parsed.annotations,
      refs: refsOf(parsed),
    });
    if (tag === undefined) return;
    const current = findTag(db, repositoryId, tag);
    if (current && current.digest !== digest) {
      try {
        ctx.registry.guard.checkRetag(target.localName, tag, current.digest, digest);
      } catch (e) {
        if (!(e instanceof TagImmutable)) throw e;
        // Pinned: the upstream moved the tag, we keep serving the protected digest.
        confirmTag(db, current.id, ctx.now());
        stored = { digest: current.digest, mediaType: "", content: new Uint8Array(0), pinned: true };
        ctx.log.info("immutable tag kept its digest despite upstream retag", { repository: target.localName, tag, kept: current.digest, upstream_digest: digest, policy: e.policy });
        return;
      }
    }
    upsertTag(db, repositoryId, tag, manifestId, ctx.now());
  }, { behavior: "immediate" });
  if (!stored.pinned) ctx.onManifestStored({ upstream: target.upstream, remoteName: target.remoteName, localName: target.localName, digest, parsed });
  return stored;
}
