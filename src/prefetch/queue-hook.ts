// The prefetcher's first half, built before the cache: the hook the cache
// calls after storing an upstream manifest, which queues what the image still
// needs (SQLite rows only, no upstream contact). The workers, built after the
// cache, subscribe to be woken. Start-up thus runs one way: queue → cache → workers.
import type { ManifestStoredHook } from "../cache/context.ts";
import type { Config } from "../config/schema.ts";
import type { Db } from "../db/client.ts";
import type { Logger } from "../telemetry/log.ts";
import { planManifest } from "./plan.ts";
import type { PlatformsFor } from "./platforms.ts";

export interface PrefetchQueue {
  onManifestStored: ManifestStoredHook;
  /** Called after new jobs were queued. */
  onQueued(listener: () => void): void;
}

export interface QueueDeps {
  config: Config;
  db: Db;
  log: Logger;
  now: () => number;
  platformsFor: PlatformsFor;
  referrers(upstream: string): boolean;
}

export function createPrefetchQueue(deps: QueueDeps): PrefetchQueue {
  const p = deps.config.prefetch;
  const listeners: (() => void)[] = [];
  return {
    onManifestStored(e) {
      if (!p.complete_on_pull) return;
      try {
        const target = { upstream: e.upstream, remoteName: e.remoteName, localName: e.localName };
        planManifest(deps.db, target, e.digest, e.parsed, { platforms: deps.platformsFor(e.upstream, e.localName), referrers: deps.referrers(e.upstream), urgent: false, delayMs: p.pull_delay }, deps.now());
        for (const l of listeners) l();
      } catch (err) {
        // The client's pull succeeded; the sweep will find what could not be queued.
        deps.log.error("prefetch: could not queue a stored manifest's content", { repository: e.localName, digest: e.digest, error: String(err) });
      }
    },
    onQueued: (listener) => void listeners.push(listener),
  };
}
