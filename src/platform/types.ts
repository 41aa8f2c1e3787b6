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

export interface ServeOptions {
  hostname: string;
  port: number;
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
}

export interface Platform {
  /** "bun" or "deno", for the version line and logs only; never branch on it. */
  readonly runtime: string;
  /** Opens (creating if needed) a SQLite file. */
  openSqlite(path: string): SqliteClient;
  /** Starts the HTTP server. */
  serve(options: ServeOptions): Promise<RunningServer>;
  /** A response body for bytes [start, end] (inclusive) of a file, streamed by the runtime's fastest path. */
  fileBody(path: string, start: number, end: number): BodyInit;
  /** Sends one datagram to a unix socket (sd_notify); absent where the runtime has no way to. */
  sendUnixDatagram?(path: string, message: string): void;
  /** A response body from a web stream. When the stream fails (a corrupt or cut upstream blob),
   *  the client's connection is cut and nothing is printed: the failure is the caller's to log,
   *  and every line regcache writes is JSON. */
  streamBody(stream: ReadableStream<Uint8Array> | null): BodyInit | null;
}
