// Worker entry point (Bun): a WAL checkpointer's own bun:sqlite connection. Built into
// the binary as a second entry point (build/build.ts).
import { Database } from "bun:sqlite";
import { serveCheckpoints } from "./checkpoint-worker-core.ts";

declare const self: Parameters<typeof serveCheckpoints>[0];

serveCheckpoints(self, (path) => {
  const db = new Database(path);
  // The main connection may hold the write lock for a moment; a checkpoint waits for it.
  db.exec("PRAGMA busy_timeout = 5000");
  const statement = db.query("PRAGMA wal_checkpoint(PASSIVE)");
  return {
    checkpoint: () => statement.get() as { busy: number; log: number; checkpointed: number },
    close: () => db.close(),
  };
});
