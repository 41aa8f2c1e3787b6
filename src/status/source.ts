// The data side of the status page: one method per panel, so the page (HTML or
// JSON) is a pure rendering of what these return, and a test can hand the
// renderer any state it likes. Nothing here returns a secret: upstreams are
// shown by name and origin (credentials in a URL are dropped), never by their
// credentials, and tokens are never read.
import type { DiskUse } from "./disk.ts";
import type { RecordedError } from "./recorder.ts";
import type { ImageRow, PolicyRow, QueueCounts } from "../db/queries/status.ts";

export type { DiskUse } from "./disk.ts";
export type { RecordedError } from "./recorder.ts";
export type { ImageRow, PolicyRow, QueueCounts } from "../db/queries/status.ts";

export interface UpstreamHealth {
  name: string;
  /** scheme://host[:port] of the upstream's URL. */
  origin: string;
  /** "up": it answered last; "down": the last contact failed; "unknown": no contact since start. */
  state: "up" | "down" | "unknown";
  lastSuccess?: number;
  lastFailure?: { time: number; failure: string };
  /** Its mirrors, in the order they are tried; `skipped` while a mirror's circuit is open after a failure. */
  mirrors: { origin: string; skipped: boolean }[];
  /** Over the last hour. */
  requests: number;
  stale: number;
  failures: number;
}

/** Share of cached-repository requests answered from the cache, per interval, oldest first. */
export interface RatioPoint {
  /** Start of the interval (ms). */
  start: number;
  /** Requests with a cache outcome in it. */
  requests: number;
  /** HIT + REVALIDATED + STALE over requests; null when there were none. */
  ratio: number | null;
}

export interface HitRatio {
  /** The last hour, one point per minute; `hour` is the ratio over all of it. */
  hourly: RatioPoint[];
  hour: number | null;
  /** The last day, one point per hour. */
  daily: RatioPoint[];
  day: number | null;
}

export interface ImagesPanel {
  /** Tags cached (all of them; `rows` may be fewer). */
  total: number;
  complete: number;
  /** The largest images, with their completeness. */
  rows: ImageRow[];
  /** Images with blobs or index children still missing. */
  incomplete: ImageRow[];
}

export interface StatusSource {
  /** Each configured upstream's health and its traffic in the last hour. */
  upstreams(now: number): UpstreamHealth[];
  /** Bytes under storage.path and the filesystem's free space. */
  disk(): Promise<DiskUse>;
  /** Hit ratio over the last hour and the last day. */
  hitRatio(now: number): HitRatio;
  /** Cached images with their completeness and size. */
  images(): ImagesPanel;
  /** The prefetch queue. */
  queue(now: number): QueueCounts;
  /** Immutability policies, active and inactive. */
  policies(): PolicyRow[];
  /** The last failed requests, newest first. */
  errors(): RecordedError[];
}

/** Everything the page shows, at one moment: what `?format=json` returns. */
export interface StatusSnapshot {
  version: string;
  generatedAt: number;
  upstreams: UpstreamHealth[];
  disk: DiskUse;
  hitRatio: HitRatio;
  images: ImagesPanel;
  queue: QueueCounts;
  policies: PolicyRow[];
  errors: RecordedError[];
}

export async function snapshot(source: StatusSource, version: string, now = Date.now()): Promise<StatusSnapshot> {
  return {
    version,
    generatedAt: now,
    upstreams: source.upstreams(now),
    disk: await source.disk(),
    hitRatio: source.hitRatio(now),
    images: source.images(),
    queue: source.queue(now),
    policies: source.policies(),
    errors: source.errors(),
  };
}
