// What the lifecycle's parts share.
import type { BlobStore } from "../blobstore/store.ts";
import type { Db } from "../db/client.ts";
import type { Logger } from "../telemetry/log.ts";
import type { Leases } from "./leases.ts";
import type { LifecycleMetrics } from "./metrics.ts";
import type { Pins } from "./pins.ts";
import type { StoreUsage } from "./usage.ts";

export interface LifecycleContext {
  db: Db;
  store: BlobStore;
  usage: StoreUsage;
  leases: Leases;
  log: Logger;
  metrics: LifecycleMetrics;
  now: () => number;
  /** The pins as of now (policies, prefetch list, upstreams of the running config). */
  pins: () => Pins;
  /** Writes buffered pull records, so that eviction chooses by the latest pulls. */
  flushPulls: () => void;
  /** After an eviction batch or a GC run removed something: the pinned/evictable gauges are due for a refresh. */
  storeChanged: () => void;
}
