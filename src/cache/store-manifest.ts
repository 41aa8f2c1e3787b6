// Storing a manifest that came from an upstream: verified against the digest
// the client asked for and the one the upstream announced, parsed once, kept
// byte for byte, with its references recorded so the image can be completed.
import { insertManifest } from "../db/queries/manifests.ts";
import { ensureRepository } from "../db/queries/repositories.ts";
import { confirmTag, findTag, upsertTag } from "../db/queries/tags.ts";
import { digestOf, parseDigest } from "../oci/digest.ts";
import { type ParsedManifest, parseManifest, referencesOf } from "../oci/manifest.ts";
import { bareMediaType, isManifestType } from "../oci/media-types.ts";
import { TagImmutable } from "../repository/errors.ts";
import { type ManifestResult, UpstreamError } from "../upstream/index.ts";
import type { CacheContext } from "./context.ts";
import type { Target } from "./targets.ts";

export interface VerifiedManifest {
  digest: string;
  mediaType: string;
  content: Uint8Array;
  parsed: ParsedManifest;
}

/** What storing did: stored (and the tag points at it), or the tag is pinned to `kept` by an immutability rule. */
export type StoreResult = { kind: "stored"; manifest: VerifiedManifest } | { kind: "pinned"; kept: string; policy: string };

const invalid = (upstream: string, why: string) => new UpstreamError(upstream, "invalid-response", why);

/**
 * Checks an upstream's answer: bytes present, their digest equal to the one the
 * client asked for (`expectedDigest`, a pull by digest) and to the upstream's
 * Docker-Content-Digest, the size an index gave it, and a manifest regcache can parse. Any failure is the
 * upstream's (invalid-response), so a stale copy may be served instead.
 */
export function verifyUpstreamManifest(upstream: string, result: ManifestResult, expectedDigest: string | undefined, expectedSize?: number): VerifiedManifest {
  const content = result.body;
  if (!content) throw invalid(upstream, "manifest response without a body");
  // An index names its children with their sizes: a child of another size is not that child.
  if (expectedSize !== undefined && content.byteLength !== expectedSize) throw invalid(upstream, `manifest is ${content.byteLength} bytes, but the index that names it says ${expectedSize}`);
  const announced = result.digest && parseDigest(result.digest) ? result.digest : undefined;
  const algorithm = parseDigest(expectedDigest ?? announced ?? "")?.algorithm ?? "sha256";
  const digest = digestOf(content, algorithm);
  if (expectedDigest && digest !== expectedDigest) throw invalid(upstream, `manifest digest ${digest} does not match the requested ${expectedDigest}`);
  if (announced && announced !== digest) throw invalid(upstream, `manifest digest ${digest} does not match Docker-Content-Digest ${announced}`);
  const declared = bareMediaType(result.mediaType);
  let parsed: ParsedManifest;
  try {
    parsed = parseManifest(content, isManifestType(declared) ? declared : undefined);
  } catch (e) {
    throw invalid(upstream, `invalid manifest: ${(e as Error).message}`);
  }
  return { digest, mediaType: parsed.mediaType, content, parsed };
}

/**
 * Stores a verified manifest; with `tag`, points the tag at it and marks it
 * confirmed now. The guard is asked again inside the transaction: the HEAD
 * that preceded this GET may be out of date, and a policy may have changed.
 */
export function storeUpstreamManifest(ctx: CacheContext, target: Target, m: VerifiedManifest, tag: string | undefined): StoreResult {
  const db = ctx.db;
  let result: StoreResult = { kind: "stored", manifest: m };
  db.transaction(() => {
    const repositoryId = ensureRepository(db, target.localName);
    const manifestId = insertManifest(db, {
      repositoryId,
      digest: m.digest,
      mediaType: m.mediaType,
      content: m.content,
      artifactType: m.parsed.artifactType,
      subjectDigest: m.parsed.subject?.digest,
      annotations: m.parsed.annotations,
      refs: referencesOf(m.parsed),
    }, ctx.now());
    if (tag === undefined) return;
    const current = findTag(db, repositoryId, tag);
    if (current && current.digest !== m.digest) {
      try {
        ctx.guard.checkRetag(target.localName, tag, current.digest, m.digest);
      } catch (e) {
        if (!(e instanceof TagImmutable)) throw e;
        confirmTag(db, current.id, ctx.now());
        result = { kind: "pinned", kept: current.digest, policy: e.policy };
        return;
      }
    }
    upsertTag(db, repositoryId, tag, manifestId, ctx.now(), ctx.now());
  }, { behavior: "immediate" });
  if (result.kind === "stored") ctx.onManifestStored({ upstream: target.upstream, remoteName: target.remoteName, localName: target.localName, digest: m.digest, parsed: m.parsed });
  return result;
}
