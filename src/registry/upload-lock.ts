// One writer per upload session.
//
// Why: a client that retries a chunk while its first attempt is still streaming
// (a timeout on a slow link) sends two requests for the same offset. Both would
// pass the offset check before either had written, and their bytes would
// interleave in uploads/<id>: the resume point would then be wrong for good.
// Whichever request comes second is out of order by definition, so it is
// refused at once (416) and the client asks for the status and resumes.
// One process owns the data directory, so an in-memory set is enough; the check
// and the add run without an await between them, so they cannot interleave.

const writing = new Set<string>();

/** Runs `work` as the only writer of upload `id`; throws `refuse()` if another is at it. */
export async function asOnlyWriter<T>(id: string, refuse: () => Error, work: () => Promise<T>): Promise<T> {
  if (writing.has(id)) throw refuse();
  writing.add(id);
  try {
    return await work();
  } finally {
    writing.delete(id);
  }
}

/** True while a request is writing to upload `id` (the expiry sweep leaves such a session alone). */
export function isBeingWritten(id: string): boolean {
  return writing.has(id);
}
