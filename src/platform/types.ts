// The runtime seam. Everything that differs between Bun (the binary that ships)
// and Deno sits behind this interface; only src/main picks an implementation.

/** A prepared statement, shaped like bun:sqlite's (what drizzle's bun-sqlite session calls). */
export interface SqliteStatement {
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  values(...params: unknown[]): unknown[][];
}

/** A transaction wrapper as bun:sqlite's Database.transaction returns it. */
export interface SqliteTransactionFn {
  (): void;
  deferred(): void;
  immediate(): void;
  exclusive(): void;
}

/** An open SQLite database, shaped like bun:sqlite's Database. */
export interface SqliteClient {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  transaction(fn: () => void): SqliteTransactionFn;
  close(): void;
}

/** What one PASSIVE WAL checkpoint did: the WAL's frames, and how many of them are now in the database file. */
export interface CheckpointResult {
  frames: number;
  checkpointed: number;
}

/**
 * Checkpoints one SQLite file's WAL on a thread and a connection of its own, so that
 * copying pages into the database file and its fsync (10-40 ms on a busy disk) never
 * hold up the event loop that serves every GET (bench/README.md, disk lifecycle).
 */
export interface WalCheckpointer {
  /** One PASSIVE checkpoint; rejects when the thread is gone or does not answer in time. */
  checkpoint(): Promise<CheckpointResult>;
  /** Closes the thread's connection and ends the thread. */
  close(): Promise<void>;
}

/** A certificate chain (leaf first) and its private key, PEM text. */
export interface TlsCredentials {
  cert: string;
  key: string;
}

/** What a client trusts when it talks to regcache's own listener (the CLI). */
export interface PinnedServer {
  /** PEM certificates trusted as issuers (the configured chain). */
  certificates: string[];
  /** SHA-256 fingerprint ("AB:CD:…") of the configured leaf: the server must present it,
   *  whatever the URL's host. Absent: the usual host-name check. */
  leafFingerprint?: string;
}

/** The runtime cannot do what the config asks (e.g. a flag it needs): the CLI prints it as one line and exits 1. */
export class PlatformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlatformError";
  }
}

export interface ServeOptions {
  hostname: string;
  port: number;
  /** HTTPS with this certificate; absent: plain HTTP. */
  tls?: TlsCredentials;
  /** Handles one request; `client` says who sent it (the admin API answers loopback only by default). */
  fetch: (request: Request, client: ClientInfo) => Response | Promise<Response>;
}

export interface ClientInfo {
  /** The peer's IP address ("127.0.0.1", "::1", "::ffff:10.0.0.7"), or "" when the runtime cannot tell. */
  address: string;
}

export interface RunningServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  /** Stops accepting connections; with `force`, also cuts in-flight requests, or (Deno,
   *  which cannot) stops waiting for them, so that the process exit that follows ends them. */
  stop(force: boolean): Promise<void>;
  /** HTTPS only: serves `tls` to every connection opened from now on, on the same port, while
   *  connections already open (a pull in flight) finish on the old certificate. */
  reloadTls(tls: TlsCredentials): Promise<void>;
}

/**
 * Where a blob's bytes go on their way into the store: hashed and written at the end of
 * its temporary file, in the order given. The one write path (blobstore/pending-blob.ts)
 * uses one per blob, either on the event loop or on a thread of its own (BlobWriterThread).
 */
export interface BlobSink {
  /** How many writes may be in flight at once. */
  readonly depth: number;
  /**
   * Hashes `chunk` and writes it after the chunks before it; resolves once the bytes are in
   * the file, with the same bytes, possibly as a new view of them (the chunk went to another
   * thread and back, and the one passed in is then detached): use what is returned. With
   * `keep` false the caller has no more use for them, and a thread frees them at once
   * instead of sending them back (undefined).
   */
  write(chunk: Uint8Array, keep?: boolean): Promise<Uint8Array | undefined>;
  /** The digest (`algorithm:hex`) of every byte written, once every write settled. */
  digest(): Promise<string>;
  /** Releases the sink's own handle on the file (the caller's stays open). */
  close(): Promise<void>;
}

/**
 * A thread that hashes blob bytes and writes them to their temporary files, so that the
 * event loop keeps only the sockets: sha256 alone was 69 % of it during a cold download
 * (bench/README.md, issue 16). Chunks are transferred to it and back, not copied.
 */
export interface BlobWriterThread {
  /** A sink writing `path` (which exists) from byte `position` on. */
  open(path: string, algorithm: "sha256" | "sha512", position: number): BlobSink;
  /** Set once the thread failed: every sink open then rejects, and new blobs must not use it. */
  readonly failed: Error | undefined;
  /** Called once, when the thread fails. */
  onFailure?: (e: Error) => void;
  /** Ends the thread (after the writes in flight). */
  close(): Promise<void>;
}

export interface Platform {
  /** "bun" or "deno", for the version line and logs only; never branch on it. */
  readonly runtime: string;
  /** Opens (creating if needed) a SQLite file. */
  openSqlite(path: string): SqliteClient;
  /** Starts a WAL checkpointer for a SQLite file (see WalCheckpointer); absent where the runtime has no worker threads. */
  startCheckpointer?(path: string): WalCheckpointer;
  /** Starts the thread that hashes and writes blob bytes (see BlobWriterThread); absent where the runtime has no worker threads. */
  startBlobWriter?(): BlobWriterThread;
  /** Starts the HTTP server. */
  serve(options: ServeOptions): Promise<RunningServer>;
  /** A fetch for talking to regcache's own HTTPS listener: trusts `server`'s certificates and
   *  accepts the server by its leaf, whatever name the URL uses (127.0.0.1 for a public cert). */
  fetchPinned(server: PinnedServer): typeof fetch;
  /** A response body for bytes [start, end] (inclusive) of a file, streamed by the runtime's fastest path. */
  fileBody(path: string, start: number, end: number): BodyInit;
  /** Sends one datagram to a unix socket (sd_notify); absent where the runtime has no way to. */
  sendUnixDatagram?(path: string, message: string): void;
  /** A response body from a web stream. When the stream fails (a corrupt or cut upstream blob),
   *  the client's connection is cut and nothing is printed: the failure is the caller's to log,
   *  and every line regcache writes is JSON. */
  streamBody(stream: ReadableStream<Uint8Array> | null): BodyInit | null;
}
