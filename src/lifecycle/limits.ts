// The quota's numbers, resolved from [storage] against the file system's size:
// when a write must evict first (max_size, min_free) and where eviction stops
// (low_water), in bytes.
import type { SizeOrShare } from "../config/storage.ts";

const FIVE_GIB = 5 * 1024 ** 3;

export interface StorageLimits {
  /** storage.max_size; 0: none. */
  maxBytes: number;
  /** Free bytes the file system keeps. */
  minFreeBytes: number;
  /** Eviction for the quota stops at this many bytes used. */
  lowBytes: number;
  /** Eviction for free space stops at this many free bytes. */
  targetFreeBytes: number;
}

export interface LimitKeys {
  max_size: number;
  min_free: "auto" | SizeOrShare;
  low_water: SizeOrShare;
}

export function resolveLimits(keys: LimitKeys, fsBytes: number): StorageLimits {
  const minFreeBytes =
    keys.min_free === "auto" ? Math.min(FIVE_GIB, Math.floor(fsBytes * 0.05)) : "bytes" in keys.min_free ? keys.min_free.bytes : Math.floor(fsBytes * keys.min_free.share);
  const max = keys.max_size;
  const low = keys.low_water;
  const lowBytes = max === 0 ? 0 : "bytes" in low ? low.bytes : Math.floor(max * low.share);
  // The same headroom below min_free as below max_size: what one eviction frees before the next is needed.
  const headroom = max > 0 ? max - lowBytes : "share" in low ? Math.round(minFreeBytes * (1 - low.share)) : Math.floor(minFreeBytes * 0.1);
  return { maxBytes: max, minFreeBytes, lowBytes, targetFreeBytes: minFreeBytes + headroom };
}
