import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Free of vitest, so that helpers built on it also run from bench/ scripts.

export interface TempDir {
  path: string;
  /** Removes the directory and everything in it; safe to call twice. */
  remove(): void;
}

// Every directory made here is also removed when the process exits, so a test that
// crashes or forgets still leaves nothing behind (podman's vfs store can be large).
const live = new Set<string>();
process.on("exit", () => {
  for (const path of live) rmSync(path, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, owned by the caller (e.g. a beforeAll). */
export function makeTempDir(prefix = "regcache-test-"): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  live.add(path);
  return {
    path,
    remove() {
      live.delete(path);
      rmSync(path, { recursive: true, force: true });
    },
  };
}
