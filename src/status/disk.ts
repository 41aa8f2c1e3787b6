// Disk use as the status page shows it. The figures come from the disk
// lifecycle's running byte account (lifecycle/usage.ts), which every write and
// removal keeps current, so a page refresh never walks the store.

export interface DiskUse {
  /** Bytes of the files under storage.path (SQLite's own files excepted). */
  usedBytes: number;
  /** Free bytes of the filesystem for an unprivileged writer. */
  freeBytes: number;
  /** Size of the filesystem. */
  filesystemBytes: number;
  /** What the bar is drawn against: storage.max_size when configured, else the filesystem. */
  limitBytes: number;
  limitSource: "max_size" | "filesystem";
}

/** The account's figures, with the bar's limit: storage.max_size when set (above 0), else the filesystem. */
export function diskUseOf(a: { usedBytes: number; freeBytes: number; filesystemBytes: number; maxSizeBytes: number }): DiskUse {
  const limit = a.maxSizeBytes > 0 ? { limitBytes: a.maxSizeBytes, limitSource: "max_size" as const } : { limitBytes: a.filesystemBytes, limitSource: "filesystem" as const };
  return { usedBytes: a.usedBytes, freeBytes: a.freeBytes, filesystemBytes: a.filesystemBytes, ...limit };
}
