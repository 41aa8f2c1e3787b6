// What the bundle service needs from the running server: the database, the
// store, the cache's narrow API (to complete an image before export and to
// check that an imported name belongs to a configured upstream), the ttls.
import type { BlobStore } from "../blobstore/store.ts";
import type { PullThrough } from "../cache/service.ts";
import type { Db } from "../db/client.ts";
import type { TagGuard } from "../repository/guard.ts";
import type { Logger } from "../telemetry/log.ts";

export interface BundleContext {
  db: Db;
  store: BlobStore;
  pullThrough: PullThrough;
  log: Logger;
  now: () => number;
  /** Immutability: an import never moves a tag a policy pins. */
  guard: TagGuard;
  /** server.max_manifest_size: a bundle's manifests are bounded like pulled ones. */
  maxManifestBytes: number;
  /** An upstream's ttl in ms (for --fresh-for). */
  ttlOf: (upstream: string) => number;
}

/** Something an image needs is not in the store (with --offline, or a broken or missing bundle blob). */
export class ImageIncomplete extends Error {
  constructor(readonly ref: string, readonly missing: string[]) {
    super(`${ref}: not complete in the store, missing ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ` and ${missing.length - 5} more` : ""}`);
    this.name = "ImageIncomplete";
  }
}

/** The upstream (or the cache's rules) could not give what an export needs: the image and why. */
export class ImageUnavailable extends Error {
  constructor(readonly ref: string, why: string) {
    super(`${ref}: ${why}`);
    this.name = "ImageUnavailable";
  }
}
