// Disk use for the status page: bytes under storage.path (a walk, like du) and
// the free space of its filesystem. The walk costs one stat per file, so its
// result is kept for a while: a page refresh every few seconds must not turn
// into a stat of every blob.
import { lstat, readdir, statfs } from "node:fs/promises";
import { join } from "node:path";

export interface DiskUse {
  /** Bytes of the files under storage.path. */
  usedBytes: number;
  /** Free bytes of the filesystem for an unprivileged writer. */
  freeBytes: number;
  /** Size of the filesystem. */
  filesystemBytes: number;
  /** What the bar is drawn against: storage.max_size when configured, else the filesystem. */
  limitBytes: number;
  limitSource: "max_size" | "filesystem";
}

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0; // removed while we walked (a tmp file renamed into the store)
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += await bytesUnder(path);
    else total += await lstat(path).then((s) => s.size, () => 0);
  }
  return total;
}

const KEEP_MS = 10_000;

/** `maxSize`: storage.max_size in bytes when the config has one (0 or undefined: none). */
export function diskUsage(root: string, maxSize?: number): () => Promise<DiskUse> {
  let cached: { at: number; value: Promise<DiskUse> } | undefined;
  const measure = async (): Promise<DiskUse> => {
    const [usedBytes, fs] = await Promise.all([bytesUnder(root), statfs(root)]);
    const filesystemBytes = fs.blocks * fs.bsize;
    const limit = maxSize && maxSize > 0 ? { limitBytes: maxSize, limitSource: "max_size" as const } : { limitBytes: filesystemBytes, limitSource: "filesystem" as const };
    return { usedBytes, freeBytes: fs.bavail * fs.bsize, filesystemBytes, ...limit };
  };
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > KEEP_MS) cached = { at: now, value: measure() };
    return cached.value;
  };
}
