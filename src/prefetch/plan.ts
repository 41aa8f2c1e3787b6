// What a manifest needs queued so that its image is complete: for an image,
// its config and layers not yet in the store; for an index, the children of
// the wanted platforms (each child, once fetched, plans its own blobs); and,
// when the upstream has `referrers = true`, the artifacts that refer to it.
import { findBlob } from "../db/queries/blobs.ts";
import { isReferenced } from "../db/queries/manifests.ts";
import { enqueueJob, type NewJob } from "../db/queries/prefetch-jobs.ts";
import { findRepositoryId } from "../db/queries/repositories.ts";
import type { Db } from "../db/client.ts";
import { platformOf, type Descriptor, type ParsedManifest } from "../oci/manifest.ts";
import { matchesPlatform } from "./platforms.ts";

export interface PlanTarget {
  upstream: string;
  remoteName: string;
  localName: string;
}

export interface PlanOptions {
  /** Platforms of an index to keep (empty: all). */
  platforms: readonly string[];
  /** Queue a referrers job (signatures, SBOMs) for this manifest. */
  referrers: boolean;
  /** Someone waits for it (`regcache prefetch`): priority 1, due now, failed jobs re-armed. */
  urgent: boolean;
  /** Not urgent: how long new jobs wait before they are due. */
  delayMs?: number;
}

/** The index children the options keep. */
export function wantedChildren(parsed: ParsedManifest, platforms: readonly string[]): Descriptor[] {
  return parsed.manifests.filter((d) => matchesPlatform(platformOf(d), platforms));
}

/** Queues what `digest` still needs; returns the jobs it asked for (already queued ones included). */
export function planManifest(db: Db, t: PlanTarget, digest: string, parsed: ParsedManifest, o: PlanOptions, now: number): NewJob[] {
  const base = { upstream: t.upstream, repository: t.localName, remoteName: t.remoteName, priority: o.urgent ? 1 : 0 };
  const jobs: NewJob[] = [];
  for (const child of wantedChildren(parsed, o.platforms)) jobs.push({ ...base, kind: "manifest", digest: child.digest, size: child.size });
  for (const blob of parsed.blobs) {
    // Stored blobs need no job: the manifest's references already let this repository serve them.
    if (!findBlob(db, blob.digest)) jobs.push({ ...base, kind: "blob", digest: blob.digest, size: blob.size });
  }
  if (o.referrers && !parsed.subject && !isChild(db, t.localName, digest)) jobs.push({ ...base, kind: "referrers", digest });
  db.transaction(() => {
    for (const job of jobs) enqueueJob(db, job, now, { urgent: o.urgent, dueAt: now + (o.delayMs ?? 0) });
  });
  return jobs;
}

// Signatures are made for what people name: the index, not each platform's manifest.
function isChild(db: Db, repository: string, digest: string): boolean {
  const id = findRepositoryId(db, repository);
  return id !== undefined && isReferenced(db, id, "manifest", digest);
}
