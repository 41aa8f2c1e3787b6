// Worker entry point (Deno): a WAL checkpointer's own node:sqlite connection.
import { DatabaseSync } from "node:sqlite";
import { serveCheckpoints } from "./checkpoint-worker-core.ts";

declare const self: Parameters<typeof serveCheckpoints>[0];

serveCheckpoints(self, (path) => new DatabaseSync(path));
