// `regcache gc [--dry-run] [--json]`: asks the running server to collect
// garbage now (unreferenced blobs past storage.gc_grace, and images unused for
// storage.unused_after), shows its progress, and what it freed or would free.
// The run belongs to the server: interrupting this command does not stop it.
import { SingleBar } from "cli-progress";
import { loadConfig } from "../config/load.ts";
import type { GcRun } from "../lifecycle/service.ts";
import { adminClientFor, ServerRefused, ServerUnreachable } from "./admin-client.ts";
import { parse, UsageError } from "./args.ts";
import { formatBytes } from "./bytes.ts";
import type { CliIo } from "./io.ts";

export const GC_USAGE = `gc [--server URL] [--dry-run] [--json]
                                 collect unreferenced blobs in the running regcache now`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function gcSummary(run: GcRun): string {
  const p = run.progress;
  const verb = run.dry_run ? "would free" : "freed";
  const evicted = run.evicted.images.length ? `; evicted ${run.evicted.images.length} image(s) unused for storage.unused_after (${formatBytes(run.evicted.bytes)})` : "";
  const leased = p.leased ? `, ${p.leased} in use kept` : "";
  return `gc ${run.dry_run ? "dry run " : ""}${run.state}: ${verb} ${formatBytes(p.bytes)} in ${p.deleted} unreferenced blob(s)${leased}${evicted}`;
}

export async function gcCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { config: { type: "string" }, server: { type: "string" }, "dry-run": { type: "boolean" }, json: { type: "boolean" } }, true);
  if (positionals.length > 0) throw new UsageError(`gc: unexpected argument ${JSON.stringify(positionals[0])}`);
  const client = adminClientFor(values.server, io.env, () => loadConfig(values.config, io.env).config);
  const tty = !values.json && (io.stdout as NodeJS.WriteStream).isTTY === true;
  let bar: SingleBar | undefined;
  try {
    let run = (await client.call<GcRun>("POST", "/storage/gc", { dry_run: values["dry-run"] === true })).body;
    // A bar on a terminal (cli-progress, as export and import show theirs), plain lines elsewhere.
    const freedLabel = run.dry_run ? "to free" : "freed";
    bar = tty
      ? new SingleBar({ stream: io.stdout, format: `gc [{bar}] {percentage}% | {found} unreferenced, {freed} ${freedLabel}`, barCompleteChar: "█", barIncompleteChar: "░", barsize: 30, hideCursor: true, forceRedraw: true })
      : undefined;
    bar?.start(100, 0, { found: 0, freed: formatBytes(0) });
    let shown = -1;
    while (run.state === "running") {
      const p = run.progress;
      if (bar) bar.update(Math.floor(p.swept * 100), { found: p.scanned, freed: formatBytes(p.bytes) });
      else if (!values.json && p.scanned !== shown) {
        shown = p.scanned;
        io.stdout.write(`gc: ${Math.floor(p.swept * 100)}% swept, ${p.scanned} unreferenced blob(s) found, ${formatBytes(p.bytes)} ${freedLabel}\n`);
      }
      await sleep(tty ? 200 : 500);
      run = (await client.call<GcRun>("GET", `/storage/gc/${encodeURIComponent(run.id)}`)).body;
    }
    if (bar) {
      bar.update(100, { found: run.progress.scanned, freed: formatBytes(run.progress.bytes) });
      bar.stop();
      bar = undefined;
    }
    io.stdout.write(values.json ? `${JSON.stringify(run, null, 2)}\n` : `${gcSummary(run)}\n`);
    if (run.state === "failed") {
      io.stderr.write(`regcache: gc: ${run.error ?? "failed"}\n`);
      return 1;
    }
    return 0;
  } catch (e) {
    bar?.stop();
    if (e instanceof ServerUnreachable || e instanceof ServerRefused) {
      io.stderr.write(`regcache: gc: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
