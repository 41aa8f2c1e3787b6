// Where things live under storage.path:
//
//   <storage.path>/
//   ├── regcache.db            SQLite metadata (+ -wal, -shm)
//   ├── blobs/
//   │   └── sha256/
//   │       └── ab/
//   │           └── ab12…ef    verified content, named by its digest; never partial
//   ├── uploads/
//   │   └── <uuid>             a client's upload in progress (PATCH appends here)
//   ├── tmp/
//   │   └── <random>           upstream downloads and finishing uploads, renamed
//   │                          into blobs/ only after the digest matched
//   └── quarantine/            blobs the scrub found corrupt, moved out of blobs/ for an
//       ├── <time>-sha256-<hex>       operator to look at (src/scrub/); never served,
//       └── <time>-sha256-<hex>.json  what was expected and found, who used it
//
// Everything under blobs/ is written by rename from tmp/ on the same
// filesystem, so a crash leaves either the whole verified file or nothing.
import { join } from "node:path";
import { parseDigest } from "../oci/digest.ts";

export interface StorePaths {
  root: string;
  database: string;
  blobs: string;
  uploads: string;
  tmp: string;
  quarantine: string;
}

export function storePaths(root: string): StorePaths {
  return {
    root,
    database: join(root, "regcache.db"),
    blobs: join(root, "blobs"),
    uploads: join(root, "uploads"),
    tmp: join(root, "tmp"),
    quarantine: join(root, "quarantine"),
  };
}

/** The file for a digest. The digest must already be validated; this re-checks because it builds a path. */
export function blobPath(paths: StorePaths, digest: string): string {
  const parsed = parseDigest(digest);
  if (!parsed) throw new Error(`refusing to build a path from an invalid digest: ${JSON.stringify(digest)}`);
  return join(paths.blobs, parsed.algorithm, parsed.hex.slice(0, 2), parsed.hex);
}

export function uploadPath(paths: StorePaths, id: string): string {
  if (!/^[a-f0-9-]{36}$/.test(id)) throw new Error(`refusing to build a path from an invalid upload id: ${JSON.stringify(id)}`);
  return join(paths.uploads, id);
}
