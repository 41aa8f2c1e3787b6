// A local user as the kernel sees it for permission checks: uid and every group
// (primary from /etc/passwd, supplementary from /etc/group). Read from the files,
// not NSS: Debian's `proxy` is a local system user.
import { readFileSync } from "node:fs";

export interface Account {
  name: string;
  uid: number;
  /** Primary group first, then the supplementary ones. */
  gids: number[];
}

/** Parses passwd(5) and group(5) text; undefined when the user is not listed. */
export function parseAccount(name: string, passwd: string, group: string): Account | undefined {
  const entry = passwd.split("\n").map((l) => l.split(":")).find((f) => f[0] === name && f.length >= 4);
  if (!entry) return undefined;
  const gids = [Number(entry[3])];
  for (const f of group.split("\n").map((l) => l.split(":"))) {
    if (f.length >= 4 && f[3]!.split(",").includes(name) && !gids.includes(Number(f[2]))) gids.push(Number(f[2]));
  }
  return { name, uid: Number(entry[2]), gids };
}

/** The account of a user of this machine, from /etc/passwd and /etc/group. */
export function localAccount(name: string): Account | undefined {
  const read = (p: string) => {
    try {
      return readFileSync(p, "utf8");
    } catch {
      return "";
    }
  };
  return parseAccount(name, read("/etc/passwd"), read("/etc/group"));
}
