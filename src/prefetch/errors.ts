// Errors of the prefetcher. Job failures carry a `failure` class like
// UpstreamError's, so the queue, the log and /metrics name them the same way.

export { UnknownUpstream } from "../cache/service.ts";

/** A reference that is not "<upstream>/<repository>:<tag>" or "@<digest>". */
export class InvalidImageRef extends Error {
  constructor(readonly ref: string, why: string) {
    super(`${JSON.stringify(ref.slice(0, 200))}: ${why}`);
    this.name = "InvalidImageRef";
  }
}

/** No pull run or schedule of that id/name. */
export class PrefetchNotFound extends Error {
  constructor(what: string) {
    super(what);
    this.name = "PrefetchNotFound";
  }
}

/** The prefetcher is shutting down: work is left in the queue for the next start. */
export class PrefetchStopped extends Error {
  constructor() {
    super("regcache is shutting down");
    this.name = "PrefetchStopped";
  }
}
