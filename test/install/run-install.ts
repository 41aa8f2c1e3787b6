// Runs install.sh from the repository as an operator would, into a staged root
// (DESTDIR), and reads back what it left there: every path with its mode and a
// hash of its content, so two runs can be compared as wholes.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { BINARY, REPO_ROOT } from "../e2e/regcache-process.ts";

export const INSTALL_SH = join(REPO_ROOT, "install.sh");
export { BINARY };

export interface InstallRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * install.sh `args` with DESTDIR=`root` (when given); `env` is merged over this process's.
 * `offline`: in a network namespace of its own (`unshare --net`: only a loopback that is
 * down), which is how a test shows the script needs no network.
 */
export function runInstall(root: string | undefined, args: string[], env: Record<string, string> = {}, offline = false): InstallRun {
  const [command, argv] = offline ? ["unshare", ["--net", "bash", INSTALL_SH, ...args]] : ["bash", [INSTALL_SH, ...args]];
  const result = spawnSync(command, argv, {
    env: { ...process.env, ...env, ...(root ? { DESTDIR: root } : {}) },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like runInstall, but throws with the output unless it exited 0. */
export function install(root: string, args: string[] = [], options: { offline?: boolean } = {}): InstallRun {
  const run = runInstall(root, ["--binary", BINARY, ...args], {}, options.offline);
  if (run.code !== 0) throw new Error(`install.sh ${args.join(" ")} exited ${run.code}:\n${run.stdout}${run.stderr}`);
  return run;
}

export interface Entry {
  /** "d" directory, "f" file, "l" symlink */
  type: string;
  /** Permission bits, e.g. "755". */
  mode: string;
  /** sha256 of a file's content. */
  hash?: string;
}

/** Every path below `root` ("/etc/regcache/regcache.toml" → entry), `skip` subtrees left out. */
export function tree(root: string, skip: string[] = []): Record<string, Entry> {
  const out: Record<string, Entry> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const key = "/" + relative(root, path);
      if (skip.some((s) => key === s || key.startsWith(`${s}/`))) continue;
      const st = lstatSync(path);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[key] = { type: "d", mode };
        walk(path);
      } else if (st.isSymbolicLink()) out[key] = { type: "l", mode };
      else out[key] = { type: "f", mode, hash: createHash("sha256").update(readFileSync(path)).digest("hex") };
    }
  };
  walk(root);
  return out;
}
