import { onTestFinished } from "vitest";
import { makeTempDir } from "./temp-dirs.ts";

export { makeTempDir, type TempDir } from "./temp-dirs.ts";

/** A fresh directory for the running test, removed when that test finishes.
 *  Call it inside a test; in beforeAll/afterAll use makeTempDir() and remove() it. */
export function useTempDir(prefix?: string): string {
  const dir = makeTempDir(prefix);
  onTestFinished(() => dir.remove());
  return dir.path;
}
