// Is an image complete? Every blob of its manifest in the store; for an
// index, every wanted child stored and complete. A child not fetched yet counts
// with its manifest's size: its layers are unknown until it arrives, so the
// missing bytes are a lower bound until then.
import type { Db } from "../db/client.ts";
import { manifestIdIn, refStates } from "../db/queries/completeness.ts";
import { matchesPlatform } from "./platforms.ts";

export interface BlobNeed {
  digest: string;
  size: number;
  present: boolean;
}

export interface ImageStatus {
  complete: boolean;
  /** Config and layer blobs of the image (every wanted platform), each once. */
  blobs: BlobNeed[];
  /** Wanted index children not stored yet. */
  missingManifests: string[];
  missingBlobs: number;
  missingBytes: number;
  totalBytes: number;
}

// An index of indexes is legal; deeper nesting is not something registries serve.
const MAX_DEPTH = 3;

export function imageStatus(db: Db, repository: string, manifestId: number, platforms: readonly string[]): ImageStatus {
  const blobs = new Map<string, BlobNeed>();
  const missingManifests: string[] = [];
  let missingChildBytes = 0;
  const visit = (id: number, depth: number) => {
    for (const ref of refStates(db, id)) {
      if (ref.kind === "blob") {
        blobs.set(ref.digest, { digest: ref.digest, size: ref.size, present: ref.present });
        continue;
      }
      if (!matchesPlatform(ref.platform, platforms)) continue;
      const childId = ref.present ? manifestIdIn(db, repository, ref.digest) : undefined;
      if (childId === undefined || depth >= MAX_DEPTH) {
        missingManifests.push(ref.digest);
        missingChildBytes += ref.size;
      } else visit(childId, depth + 1);
    }
  };
  visit(manifestId, 1);
  const all = [...blobs.values()];
  const missing = all.filter((b) => !b.present);
  return {
    complete: missing.length === 0 && missingManifests.length === 0,
    blobs: all,
    missingManifests,
    missingBlobs: missing.length,
    missingBytes: missing.reduce((n, b) => n + b.size, 0) + missingChildBytes,
    totalBytes: all.reduce((n, b) => n + b.size, 0),
  };
}
