// Removes upload sessions nobody has written to for storage.upload_expiry.
// Why: a client that starts an upload and walks away (a cancelled CI job, a
// crashed skopeo, an attacker opening sessions in a loop) pins its bytes in
// uploads/ forever; on an appliance with a small disk that is an outage in
// slow motion. A session's age is its row's updated_at, which every chunk
// refreshes. Files in uploads/ without a row (left by a crash between the two
// writes of startUpload) go by their mtime.
//
// Start it from the server wiring:
//   const stopUploadSweep = startUploadSweep(registry, config.storage.upload_expiry, log);
import { findUpload, idleUploads, deleteUpload } from "../db/queries/uploads.ts";
import type { Logger } from "../telemetry/log.ts";
import type { RegistryContext } from "./context.ts";
import { isBeingWritten } from "./upload-lock.ts";

/** How often the sweep runs: a quarter of the expiry, between 1 s and 10 min. */
export function sweepInterval(expiryMs: number): number {
  return Math.min(10 * 60_000, Math.max(1_000, Math.floor(expiryMs / 4)));
}

/** One pass; returns the ids removed. */
export async function sweepUploads(ctx: RegistryContext, expiryMs: number, now = Date.now()): Promise<string[]> {
  const before = now - expiryMs;
  const removed: string[] = [];
  for (const id of idleUploads(ctx.db, before)) {
    if (isBeingWritten(id)) continue; // a slow chunk still streaming is not idle
    // File first, then row: the same order as a client's DELETE (see cancelUpload).
    await ctx.uploads.remove(id);
    deleteUpload(ctx.db, id);
    removed.push(id);
  }
  for (const { id, modifiedMs } of await ctx.uploads.list()) {
    if (modifiedMs >= before || isBeingWritten(id) || findUpload(ctx.db, id)) continue;
    await ctx.uploads.remove(id);
    removed.push(id);
  }
  return removed;
}

/** Runs the sweep periodically; returns the function that stops it. "0s" (expiryMs 0) never sweeps. */
export function startUploadSweep(ctx: RegistryContext, expiryMs: number, log: Logger): () => void {
  if (expiryMs <= 0) return () => {};
  let running = false;
  const timer = setInterval(() => {
    // One pass at a time: a pass over many sessions on a slow disk may outlast the interval.
    if (running) return;
    running = true;
    sweepUploads(ctx, expiryMs)
      .then((ids) => {
        if (ids.length) log.info("expired upload sessions removed", { count: ids.length, expiry_ms: expiryMs });
      })
      .catch((e) => log.warn("upload sweep failed", { error: String(e) }))
      .finally(() => {
        running = false;
      });
  }, sweepInterval(expiryMs));
  // The sweep alone must not keep the process alive.
  timer.unref?.();
  return () => clearInterval(timer);
}
