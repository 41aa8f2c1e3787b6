// One scrub run: every blob row, in digest order and in pages, is re-hashed at the
// configured rate. A bad blob (bytes that do not match, or no file at all) loses its row
// first — from then on no repository serves it and the prefetch sweep sees it missing —
// and a corrupt file is then moved to quarantine/. A dry run reads and reports the same
// but changes nothing. A repair run records each blob it has checked (scrub_cursor,
// one row): when a restart or shutdown stops it, the next scheduled run continues
// after that blob instead of starting over, so a store too large to scrub between
// two restarts is still scrubbed whole. A run that gets to the end clears it.
import type { BlobStore } from "../blobstore/store.ts";
import type { Db } from "../db/client.ts";
import { blobPage, blobRowExists, clearScrubCursor, forgetBlob, saveScrubCursor, setBlobSize } from "../db/queries/scrub.ts";
import { parseDigest } from "../oci/digest.ts";
import type { TokenBucket } from "../prefetch/token-bucket.ts";
import type { Logger } from "../telemetry/log.ts";
import { ScrubStopped } from "./errors.ts";
import { hashAtRate } from "./hash-at-rate.ts";
import type { ScrubMetrics } from "./metrics.ts";
import { describeUsers, MAX_FINDINGS, type ScrubFinding, type ScrubProgress } from "./progress.ts";
import { quarantine } from "./quarantine.ts";
import { usersOf } from "./users.ts";

export interface RunDeps {
  db: Db;
  store: BlobStore;
  log: Logger;
  metrics: ScrubMetrics;
  bucket: TokenBucket;
  /** Bytes per read: at most one second of the rate. */
  chunkSize: number;
  /** Names of the configured upstreams (which repositories are cached). */
  upstreams: readonly string[];
  signal: AbortSignal;
  /** Queues what cached images now miss (the prefetch sweep); called once after a repair run that removed cached blobs. */
  refetch: () => void;
  now: () => number;
}

const PAGE = 500;

/** Runs the scrub, updating `p` (its totals already taken) as it goes; the admin API reads it while it runs. */
export async function runScrub(deps: RunDeps, p: ScrubProgress): Promise<void> {
  const { db } = deps;
  let removedCached = false;
  let after = p.resumed_after ?? undefined;
  for (;;) {
    const page = blobPage(db, PAGE, after);
    if (page.length === 0) break;
    for (const row of page) {
      const finding = await checkOne(deps, p, row.digest, row.size);
      if (finding) {
        record(p, finding);
        // A layer shared by a local and a cached image: the cached one still gets it back.
        if (!p.dry_run && finding.users.some((u) => !u.local)) removedCached = true;
      }
      p.checked_blobs++;
      deps.metrics.blobs.inc();
      // One small write per blob: each blob takes at least a read at the scrub's rate.
      if (!p.dry_run) saveScrubCursor(db, p.id, row.digest, deps.now());
    }
    after = page.at(-1)!.digest;
  }
  if (!p.dry_run) clearScrubCursor(db);
  if (removedCached) {
    deps.refetch();
    p.refetch_queued = true;
  }
}

function fixSize(deps: RunDeps, digest: string, recorded: number, actual: number): void {
  setBlobSize(deps.db, digest, actual);
  deps.log.warn("scrub corrected the recorded size of a blob", { digest, recorded_size: recorded, size: actual });
}

function record(p: ScrubProgress, f: ScrubFinding): void {
  p[f.problem]++;
  if (p.findings.length < MAX_FINDINGS) p.findings.push(f);
}

async function checkOne(deps: RunDeps, p: ScrubProgress, digest: string, size: number): Promise<ScrubFinding | undefined> {
  const parsed = parseDigest(digest);
  if (!parsed) return undefined; // rows are written only for validated digests
  const path = deps.store.path(digest);
  let hashed: Awaited<ReturnType<typeof hashAtRate>> | undefined;
  try {
    hashed = await hashAtRate(path, parsed.algorithm, {
      bucket: deps.bucket,
      chunkSize: deps.chunkSize,
      signal: deps.signal,
      onBytes: (n) => {
        p.checked_bytes += n;
        deps.metrics.bytes.inc({}, n);
      },
    });
  } catch (e) {
    if (e instanceof ScrubStopped) throw e;
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") return unreadable(deps, p, digest, size, e);
  }
  if (hashed && hashed.digest === digest) {
    // The bytes are the blob's (the digest proves it) but the row says another size, which
    // would be sent as Content-Length: the row is what is wrong, so it is corrected.
    if (hashed.bytes !== size && !p.dry_run) fixSize(deps, digest, size, hashed.bytes);
    return undefined;
  }
  // Removed meanwhile (a local delete, garbage collection): not a problem of the store.
  if (!blobRowExists(deps.db, digest)) return undefined;
  const { owner, users, more } = usersOf(deps.db, digest, deps.upstreams);
  const base = { digest, size, owner, users, more_users: more };
  if (!hashed) return missing(deps, p, base);
  const note = { ...base, problem: "corrupt" as const, found: { digest: hashed.digest, size: hashed.bytes } };
  if (p.dry_run) return { ...note, action: "would-quarantine" };
  // The row goes first, so that no request is handed the file from here on; a download
  // that stores the blob again after this puts a new file (a new inode) in its place,
  // which quarantine() leaves alone.
  forgetBlob(deps.db, digest);
  const moved = await quarantine(deps.store.paths, digest, hashed.identity, note, new Date());
  deps.metrics.found.inc({ problem: "corrupt", owner });
  const finding: ScrubFinding = { ...note, action: "quarantined", ...(moved ? { quarantine_path: moved } : {}) };
  logFinding(deps.log, finding);
  return finding;
}

function missing(deps: RunDeps, p: ScrubProgress, base: Omit<ScrubFinding, "problem" | "action">): ScrubFinding {
  if (p.dry_run) return { ...base, problem: "missing", action: "would-remove-row" };
  forgetBlob(deps.db, base.digest);
  deps.metrics.found.inc({ problem: "missing", owner: base.owner });
  const finding: ScrubFinding = { ...base, problem: "missing", action: "row-removed" };
  logFinding(deps.log, finding);
  return finding;
}

/** A read that failed: reported, counted, and the next blob checked; one bad sector does not end the run. */
function unreadable(deps: RunDeps, p: ScrubProgress, digest: string, size: number, e: unknown): ScrubFinding {
  const { owner, users, more } = usersOf(deps.db, digest, deps.upstreams);
  const error = e instanceof Error ? e.message : String(e);
  if (!p.dry_run) deps.metrics.found.inc({ problem: "unreadable", owner });
  const finding: ScrubFinding = { digest, size, problem: "unreadable", owner, users, more_users: more, action: "left-in-place", error };
  deps.log.error("scrub could not read a stored blob; left in place", { digest, owner, error, used_by: describeUsers(users, more) });
  return finding;
}

function logFinding(log: Logger, f: ScrubFinding): void {
  const fields = {
    digest: f.digest,
    size: f.size,
    problem: f.problem,
    owner: f.owner,
    ...(f.found ? { found_digest: f.found.digest, found_size: f.found.size } : {}),
    ...(f.quarantine_path ? { quarantine_path: f.quarantine_path } : {}),
    used_by: describeUsers(f.users, f.more_users),
  };
  if (f.owner === "local") {
    // Nobody can fetch it again: say loudly which images are broken until it is pushed again.
    log.error(`scrub found a ${f.problem} blob of a local repository; it is no longer served, push it again`, fields);
  } else {
    log.warn(`scrub found a ${f.problem} blob; it is no longer served${f.owner === "cached" ? " and will be fetched again from its upstream" : ""}`, fields);
  }
}
