// The quota on the one write path (blobstore/space.ts): a chunk that fits is
// counted and written at once, with no await (the warm path of every download
// and upload); one that would pass storage.max_size or go below min_free waits
// for eviction to make room, and only when eviction can free nothing more is it
// refused with StorageFull, which the write path turns into "nothing kept" and
// the HTTP layer into 507. One eviction runs at a time: chunks that arrive while
// it runs wait for it and then look again.
import { StorageFull } from "../blobstore/errors.ts";
import type { SpaceAccount } from "../blobstore/space.ts";
import type { StorageLimits } from "./limits.ts";
import type { StoreUsage } from "./usage.ts";

export type RoomReason = "quota" | "min_free";

/** Within this much of min_free, free space is measured, not estimated. */
const NEAR_FLOOR_BYTES = 16 * 1024 * 1024;
const NEAR_FLOOR_REFRESH_MS = 100;

/** Nothing evictable is left and the write does not fit. */
export class QuotaFull extends StorageFull {
  constructor(path: string, readonly reason: RoomReason) {
    super(path);
    const limit = reason === "quota" ? "storage.max_size would be passed" : "storage.min_free would be crossed";
    this.message = `no space left for this write under ${path}: ${limit} and nothing evictable is left`;
    this.name = "QuotaFull";
  }
}

/** Frees space for `reason` until `enough()`; resolves to the bytes freed. */
export type MakeRoom = (reason: RoomReason, enough: () => boolean) => Promise<number>;

export class Quota implements SpaceAccount {
  private making: Promise<number> | undefined;
  private refreshing = false;

  constructor(
    private readonly usage: StoreUsage,
    private readonly limits: () => StorageLimits,
    private readonly makeRoom: MakeRoom,
    private readonly storagePath: string,
  ) {}

  /** Why `bytes` more would not fit, or undefined when they do. */
  overBy(bytes: number): RoomReason | undefined {
    const l = this.limits();
    if (l.maxBytes > 0 && this.usage.used + bytes > l.maxBytes) return "quota";
    if (l.minFreeBytes > 0 && this.usage.free - bytes < this.floor(l)) return "min_free";
    return undefined;
  }

  /** min_free plus what SQLite may take at its next checkpoint without a charge (usage.ts). */
  private floor(l: StorageLimits): number {
    return l.minFreeBytes + this.usage.sqliteHeadroom;
  }

  charge(bytes: number): void | Promise<void> {
    if (this.usage.fsStale) this.refreshInBackground();
    // Near the min_free floor the estimate is not enough: SQLite's own writes (its WAL, and the
    // database file a checkpoint grows) are not charged, so the file system is asked again
    // first (a statfs, at most every 100 ms), and the floor is raised by the WAL's size.
    const l = this.limits();
    if (l.minFreeBytes > 0 && this.usage.free - bytes < this.floor(l) + NEAR_FLOOR_BYTES && this.usage.fsAgeMs > NEAR_FLOOR_REFRESH_MS) return this.slow(bytes);
    if (this.overBy(bytes) === undefined) {
      this.usage.add(bytes);
      return;
    }
    return this.slow(bytes);
  }

  credit(bytes: number): void {
    this.usage.sub(bytes);
  }

  private refreshInBackground(): void {
    if (this.refreshing) return;
    this.refreshing = true;
    this.usage.refreshFs().catch(() => {}).finally(() => (this.refreshing = false));
  }

  private async slow(bytes: number): Promise<void> {
    // The estimate said no: ask the file system before evicting anything for it.
    await this.usage.refreshFs().catch(() => {});
    for (;;) {
      const reason = this.overBy(bytes);
      if (reason === undefined) {
        this.usage.add(bytes);
        return;
      }
      const freed = await this.room(reason, bytes);
      if (freed === 0 && this.overBy(bytes) !== undefined) throw new QuotaFull(this.storagePath, this.overBy(bytes)!);
    }
  }

  /** Eviction down to the low-water mark (quota) or the target free space (min_free). */
  private room(reason: RoomReason, bytes: number): Promise<number> {
    const l = this.limits();
    const enough = reason === "quota" ? () => this.usage.used + bytes <= l.lowBytes : () => this.usage.free - bytes >= l.targetFreeBytes + this.usage.sqliteHeadroom;
    this.making ??= this.makeRoom(reason, enough).finally(() => (this.making = undefined));
    return this.making;
  }
}
