// The worker side of a WAL checkpointer (types.ts, WalCheckpointer), shared by the
// Bun and Deno worker entry points, which differ only in how they open SQLite.
// Messages in: { open: path } once, then { id }; out: { id, frames, checkpointed }
// or { id, error }. The worker holds one connection for its whole life.

export interface CheckpointRequest {
  open?: string;
  id?: number;
  close?: boolean;
}

export interface CheckpointReply {
  id: number;
  frames?: number;
  checkpointed?: number;
  error?: string;
}

/** What the worker needs of a SQLite connection: bun:sqlite's Database and node:sqlite's DatabaseSync both have it. */
export interface CheckpointConnection {
  exec(sql: string): unknown;
  prepare(sql: string): { get(): unknown };
  close(): void;
}

interface WorkerScope {
  onmessage: ((event: MessageEvent<CheckpointRequest>) => void) | null;
  postMessage(message: CheckpointReply | { closed: true }): void;
  close(): void;
}

export function serveCheckpoints(scope: WorkerScope, open: (path: string) => CheckpointConnection): void {
  let connection: CheckpointConnection | undefined;
  let statement: { get(): unknown } | undefined;
  scope.onmessage = (event) => {
    const message = event.data;
    if (message.open !== undefined) {
      connection = open(message.open);
      // The main connection may hold the write lock for a moment; a checkpoint waits for it.
      connection.exec("PRAGMA busy_timeout = 5000");
      statement = connection.prepare("PRAGMA wal_checkpoint(PASSIVE)");
      return;
    }
    if (message.close) {
      connection?.close();
      connection = statement = undefined;
      scope.postMessage({ closed: true });
      scope.close();
      return;
    }
    const id = message.id ?? 0;
    try {
      if (!statement) throw new Error("checkpointer has no open database");
      const row = statement.get() as { busy: number; log: number; checkpointed: number };
      scope.postMessage({ id, frames: row.log, checkpointed: row.checkpointed });
    } catch (e) {
      scope.postMessage({ id, error: (e as Error).message });
    }
  };
}
