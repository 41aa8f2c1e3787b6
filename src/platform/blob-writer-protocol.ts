// The messages between the event loop and the blob writer thread (blob-writer-worker.ts).
// Every request of one sink gets exactly one reply, in order, except `open`, whose
// failure is reported by the sink's next write or digest.

export type WriterRequest =
  | { open: number; path: string; algorithm: "sha256" | "sha512"; position: number }
  | { write: number; buffer: ArrayBuffer; offset: number; length: number; keep: boolean }
  | { digest: number }
  | { close: number };

export interface WriterFailure {
  message: string;
  /** The errno code (ENOSPC, EIO, ...), so that the store can tell a full disk. */
  code?: string;
}

export type WriterReply =
  | { id: number; buffer: ArrayBuffer | undefined; offset: number; length: number; error: WriterFailure | undefined }
  | { id: number; digest: string }
  | { id: number; error: WriterFailure }
  | { id: number; closed: true };
