// Worker entry point (Deno): a WAL checkpointer's own node:sqlite connection.
import { DatabaseSync } from "node:sqlite";
import { serveCheckpoints } from "./checkpoint-worker-core.ts";

declare const self: Parameters<typeof serveCheckpoints>[0];

serveCheckpoints(self, (path) => {
  const db = new DatabaseSync(path);
  // The main connection may hold the write lock for a moment; a checkpoint waits for it.
  db.exec("PRAGMA busy_timeout = 5000");
  const statement = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
  return {
    checkpoint: () => statement.get() as unknown as { busy: number; log: number; checkpointed: number },
    close: () => db.close(),
  };
});
