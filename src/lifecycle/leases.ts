// Who is using a digest right now: a download writing it, an upload finishing
// it, a client that was just served it. Eviction and garbage collection skip a
// leased digest, so a pull in flight never loses a manifest or blob under it.
//
// Two kinds, because the two readers differ:
// - counted leases (acquire → release) for work whose end the code sees: a
//   download until its blob is recorded, an upload until its row is written;
// - holds for a while (hold): a client served a blob file or a manifest. The
//   response body is opened by the runtime after the handler returned, and a
//   client that got a manifest fetches its blobs next; on POSIX an open file
//   survives its unlink, so what needs covering is the short time from lookup to
//   open and from manifest to blobs. Wrapping every body to see its end would
//   cost the zero-copy file path of every cached blob.
export class Leases {
  private readonly counts = new Map<string, number>();
  private readonly holds = new Map<string, number>();
  /** When a client was last told that a blob exists (insertion order = oldest first). */
  private readonly asked = new Map<string, number>();

  /** Leases `digest` until the returned function is called (once). */
  acquire(digest: string): () => void {
    this.counts.set(digest, (this.counts.get(digest) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.counts.get(digest) ?? 1) - 1;
      if (n <= 0) this.counts.delete(digest);
      else this.counts.set(digest, n);
    };
  }

  /** Leases `digest` for `ms` from `now` (renewed by the next hold). */
  hold(digest: string, ms: number, now: number = Date.now()): void {
    this.holds.set(digest, now + ms);
    // Bounded: expired holds go once the map grows, not on every call.
    if (this.holds.size > 50_000) for (const [d, until] of this.holds) if (until <= now) this.holds.delete(d);
  }

  /**
   * A client was just told that `digest` exists (a blob HEAD or GET answered from the store). A
   * push does this before its manifest PUT and skips uploading what exists; the PUT may come
   * minutes later, after the rest of the layers. GC treats the blob as young for its grace
   * period from now, as if it had just been uploaded. In memory only: reads never write.
   */
  markAsked(digest: string, now: number = Date.now()): void {
    this.asked.delete(digest); // re-inserted at the end: the map stays ordered by time
    this.asked.set(digest, now);
    if (this.asked.size > MAX_ASKED) {
      let drop = this.asked.size - MAX_ASKED / 2;
      for (const d of this.asked.keys()) {
        if (drop-- <= 0) break;
        this.asked.delete(d);
      }
    }
  }

  /** Was a client told that `digest` exists at or after `since`? */
  askedSince(digest: string, since: number): boolean {
    const at = this.asked.get(digest);
    return at !== undefined && at >= since;
  }

  /** Digests leased now (`regcache du` shows it; tests wait for 0). */
  count(now: number = Date.now()): number {
    let n = this.counts.size;
    for (const [d, until] of this.holds) if (until > now && !this.counts.has(d)) n++;
    return n;
  }

  /**
   * Leased now? `firmOnly`: only counted leases and the first FIRM_HOLD_MS of a hold count —
   * what eviction falls back to when the store is full of recently served content (a burst of
   * pulls): a client past its lookup has the file open already, and one between a manifest and
   * its blobs fetches them again from the upstream.
   */
  held(digest: string, now: number = Date.now(), firmOnly = false): boolean {
    if (this.counts.has(digest)) return true;
    const until = this.holds.get(digest);
    if (until === undefined || until <= now) return false;
    return !firmOnly || until - SERVED_HOLD_MS + FIRM_HOLD_MS > now;
  }
}

/** How long a served manifest or blob file stays leased: covers lookup-to-open, and a client
 *  going from a manifest to its blobs; longer would make a burst of pulls unevictable. */
export const SERVED_HOLD_MS = 3_000;

/** The part of a hold that eviction respects even when nothing else is left: lookup to open. */
export const FIRM_HOLD_MS = 500;

/** Blobs remembered as asked for; past this the oldest half is forgotten (a GC then judges them by their row's age alone). */
const MAX_ASKED = 100_000;

/** The process's one registry: downloads, uploads and the HTTP layer share it across reloads. */
export const leases = new Leases();
