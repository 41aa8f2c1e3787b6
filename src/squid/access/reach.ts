// Whether a user can reach a file and read or execute it: every directory on the
// way searchable (x), then the file's own bit, by the owner / group / other rule
// of the kernel. Both the path as written and its real path (after symlinks) are
// walked. POSIX ACLs and capabilities other than root's are not considered: the
// answer errs on "refused", with a reason an operator can act on.
import { realpath, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { Account } from "./account.ts";

export interface Mode {
  mode: number;
  uid: number;
  gid: number;
}

const BIT = { read: 4, execute: 1 } as const;

/** The kernel's rule for one permission bit (4 read, 1 execute/search). */
export function permits(st: Mode, who: Account, bit: 4 | 1, isDirectory: boolean): boolean {
  // root reads and searches anything, and executes a file with any x bit set.
  if (who.uid === 0) return bit === 4 || isDirectory || (st.mode & 0o111) !== 0;
  const shift = st.uid === who.uid ? 6 : who.gids.includes(st.gid) ? 3 : 0;
  return ((st.mode >> shift) & bit) !== 0;
}

/** Every directory from / down to the parent of an absolute path. */
function ancestors(path: string): string[] {
  const dirs: string[] = [];
  for (let d = dirname(path); ; d = dirname(d)) {
    dirs.unshift(d);
    if (d === dirname(d)) return dirs;
  }
}

async function walk(path: string, who: Account): Promise<string | undefined> {
  for (const dir of ancestors(path)) {
    const st = await stat(dir).catch(() => undefined);
    if (!st) return `${dir} does not exist`;
    if (!permits(st, who, 1, true)) return `directory ${dir} is not searchable by user ${who.name} (mode ${(st.mode & 0o7777).toString(8)})`;
  }
  return undefined;
}

/** Undefined when `who` can read or execute the absolute path; else why not. */
export async function cannotReach(path: string, who: Account, want: keyof typeof BIT): Promise<string | undefined> {
  const lexical = await walk(path, who);
  if (lexical) return lexical;
  const st = await stat(path).catch(() => undefined);
  if (!st) return `${path} does not exist`;
  const real = await realpath(path);
  const physical = real === path ? undefined : await walk(real, who);
  if (physical) return `${physical} (on the way to ${real})`;
  if (!st.isFile()) return `${path} is not a file`;
  if (!permits(st, who, BIT[want], false)) return `${path} is not ${want === "read" ? "readable" : "executable"} by user ${who.name} (mode ${(st.mode & 0o7777).toString(8)})`;
  return undefined;
}
