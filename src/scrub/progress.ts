// What a scrub run reports, as the admin API answers it and `regcache scrub` shows it.

export type BlobOwner = "cached" | "local" | "unreferenced";

export interface ScrubFinding {
  digest: string;
  /** The size its row records. */
  size: number;
  /** "corrupt": the file's bytes do not hash to its digest;
   *  "missing": the row has no file;
   *  "unreadable": reading it failed (EIO of a failing disk, a permission): left in place,
   *  as a client reading it fails the same way and never gets wrong bytes. */
  problem: "corrupt" | "missing" | "unreadable";
  /** "local" when a local (pushed) repository uses it: it cannot be fetched again and an
   *  operator has to push it again. "cached": the next pull or the prefetcher fetches it
   *  from the upstream. "unreferenced": nobody uses it (garbage collection's). */
  owner: BlobOwner;
  /** Corrupt only: what the file holds instead. */
  found?: { digest: string; size: number };
  /** Which repositories use it: the manifests that reference it and their tags. */
  users: { repository: string; local: boolean; manifests: { digest: string; tags: string[] }[] }[];
  /** Manifests left off the list (a shared base layer can have thousands). */
  more_users: number;
  /** What the run did; a dry run says what it would have done. */
  action: "quarantined" | "row-removed" | "would-quarantine" | "would-remove-row" | "left-in-place";
  /** Unreadable only: the error. */
  error?: string;
  /** Where the bad file went, relative to storage.path. */
  quarantine_path?: string;
}

export interface ScrubProgress {
  id: string;
  dry_run: boolean;
  /** "schedule" (storage.scrub_schedule) or "api" (`regcache scrub`). */
  trigger: "schedule" | "api";
  state: "running" | "done" | "failed" | "stopped";
  started: string;
  finished: string | null;
  /** Bytes per second the run reads at most (storage.scrub_rate). */
  rate: number;
  /** A scheduled run continues where an interrupted repair run stopped (a restart, a
   *  shutdown): the last digest that run checked, in digest order. null: from the first blob. */
  resumed_after: string | null;
  /** Blob rows and their bytes when the run started (after `resumed_after`, when set). */
  total_blobs: number;
  total_bytes: number;
  checked_blobs: number;
  checked_bytes: number;
  corrupt: number;
  missing: number;
  unreadable: number;
  /** The first MAX_FINDINGS findings; the counts above count them all. */
  findings: ScrubFinding[];
  /** Cached blobs removed by this run were queued for the prefetcher (its sweep ran). */
  refetch_queued: boolean;
  error?: string;
}

export const MAX_FINDINGS = 1000;

/** "local/app@sha256:… (v1, latest)", for log lines and the command line. */
export function describeUsers(users: ScrubFinding["users"], more: number): string[] {
  const out: string[] = [];
  for (const u of users) {
    if (u.manifests.length === 0) out.push(u.repository);
    for (const m of u.manifests) out.push(`${u.repository}@${m.digest}${m.tags.length ? ` (${m.tags.join(", ")})` : ""}`);
  }
  if (more > 0) out.push(`and ${more} more manifest(s)`);
  return out;
}
