// Headless Chromium (Debian's `chromium`) as a test client: the DOM after load
// (--dump-dom) and screenshots at a given window size. JavaScript stays on: both
// modes need it for themselves (with scriptEnabled=false Chromium silently writes
// nothing); a test that means "readable without JavaScript" checks the page has
// no script. Everything that could reach beyond
// loopback is switched off, and no host name resolves except 127.0.0.1's.
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { runCommand } from "./processes.ts";
import { makeTempDir } from "./temp-dirs.ts";

export const CHROMIUM = "/usr/bin/chromium";

function flags(profile: string): string[] {
  return [
    "--headless",
    // Tests run as root, where Chromium's sandbox cannot start.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    `--user-data-dir=${profile}`,
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--hide-scrollbars",
  ];
}

async function run(args: string[]): Promise<string> {
  const profile = makeTempDir("regcache-chromium-");
  try {
    const { stdout } = await runCommand(CHROMIUM, [...flags(profile.path), ...args], { name: "chromium", timeoutMs: 90_000 });
    return stdout;
  } finally {
    profile.remove();
  }
}

/** The serialized DOM of `url` once loaded. */
export const dumpDom = (url: string) => run(["--dump-dom", url]);

/** A PNG of `url` at `width`x`height` CSS pixels, written to `file`. */
export async function screenshot(url: string, file: string, width: number, height: number): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  rmSync(file, { force: true });
  await run([`--window-size=${width},${height}`, `--screenshot=${file}`, url]);
  // Chromium exits 0 even when it wrote nothing.
  if (!existsSync(file) || statSync(file).size === 0) throw new Error(`chromium wrote no screenshot of ${url} to ${file}`);
}
