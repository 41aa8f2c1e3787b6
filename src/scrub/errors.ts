// The scrub's domain errors; api/errors.ts turns them into admin API answers.
import type { ScrubProgress } from "./progress.ts";

/** A scrub was asked for while one runs: only one at a time (they would compete for the disk). */
export class ScrubRunning extends Error {
  constructor(readonly run: ScrubProgress) {
    super(`a scrub is already running (${run.id}, started ${run.started}${run.dry_run ? ", dry run" : ""}): ${run.checked_blobs} of ${run.total_blobs} blobs checked`);
    this.name = "ScrubRunning";
  }
}

export class ScrubNotFound extends Error {
  constructor(id: string) {
    super(`no scrub run ${JSON.stringify(id.slice(0, 100))} (the last 10 runs are kept)`);
    this.name = "ScrubNotFound";
  }
}

/** The server is shutting down: the run stops between two chunks. */
export class ScrubStopped extends Error {
  constructor() {
    super("the scrub was stopped (server shutting down)");
    this.name = "ScrubStopped";
  }
}
