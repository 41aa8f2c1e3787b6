// Moves a corrupt blob file out of blobs/ into quarantine/ (paths.ts), where an operator
// can look at it, with a .json note beside it: the digest it should have had, what it
// holds, and who used it. Nothing serves files from quarantine/; they stay until removed
// by hand.
import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { StorePaths } from "../blobstore/paths.ts";
import { blobPath } from "../blobstore/paths.ts";
import type { FileIdentity } from "./hash-at-rate.ts";
import type { ScrubFinding } from "./progress.ts";

const same = (a: FileIdentity, b: { dev: number; ino: number }) => a.dev === b.dev && a.ino === b.ino;

/**
 * Moves the file that was hashed (`identity`) into quarantine/. Returns its path relative
 * to storage.path, or undefined when blobs/ now holds another file under that name: a
 * download renamed freshly verified bytes into place after the hash (every write to
 * blobs/ is a rename from tmp/, pending-blob.ts), and those are kept.
 */
export async function quarantine(paths: StorePaths, digest: string, identity: FileIdentity, note: Omit<ScrubFinding, "action" | "quarantine_path">, now: Date): Promise<string | undefined> {
  const from = blobPath(paths, digest);
  const current = await stat(from).catch(() => undefined);
  if (!current || !same(identity, current)) return undefined;
  await mkdir(paths.quarantine, { recursive: true });
  const name = `${now.toISOString().replace(/[:.]/g, "-")}-${digest.replace(":", "-")}`;
  const to = join(paths.quarantine, name);
  await rename(from, to);
  // A rename into blobs/ between the stat and our rename would have put a verified file
  // there, and we would have moved that one: put it back (it is the blob's right bytes).
  const moved = await stat(to);
  if (!same(identity, moved)) {
    await rename(to, from);
    return undefined;
  }
  await writeFile(`${to}.json`, JSON.stringify({ ...note, quarantined: now.toISOString() }, null, 2) + "\n");
  return relative(paths.root, to);
}
