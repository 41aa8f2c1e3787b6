// Builds dist/regcache, a self-contained executable, with `bun build --compile`.
// `--if-needed` skips the build when the binary is newer than every source file
// (what `npm start` uses, so a second start is instant).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const out = join(root, "dist", "regcache");

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

if (process.argv.includes("--if-needed") && existsSync(out)) {
  const sources = Math.max(newestSource(join(root, "src")), statSync(join(root, "package.json")).mtimeMs);
  if (statSync(out).mtimeMs > sources) process.exit(0);
}

// Worker threads' entry points: each one a second entry of the same binary, which
// `new Worker(new URL(...))` in src/platform/bun.ts finds by its source path.
const WORKERS = [join(root, "src/platform/checkpoint-worker-bun.ts"), join(root, "src/platform/blob-writer-worker.ts")];

const result = spawnSync(process.execPath, ["build", "--compile", join(root, "src/main/bun.ts"), ...WORKERS, "--outfile", out], {
  stdio: "inherit",
  cwd: root,
});
if (result.status !== 0) {
  console.error("build failed");
  process.exit(1);
}
console.log(`built ${out}`);
