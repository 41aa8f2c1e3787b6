// Worker entry point (Bun): a WAL checkpointer's own bun:sqlite connection. Built into
// the binary as a second entry point (build/build.ts).
import { Database } from "bun:sqlite";
import { serveCheckpoints } from "./checkpoint-worker-core.ts";

declare const self: Parameters<typeof serveCheckpoints>[0];

serveCheckpoints(self, (path) => new Database(path));
