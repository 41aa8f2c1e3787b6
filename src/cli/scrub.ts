// `regcache scrub [--server URL] [--dry-run] [--plain]`: asks the running server to re-hash
// every stored blob now (at storage.scrub_rate), shows progress and what it found, and
// exits 1 when a blob of a local repository is bad (nobody can fetch it again: a person
// has to push it) or when a scrub already runs; cached blobs are repaired by themselves.
// The run belongs to the server: interrupting this command does not stop it.
import { loadConfig } from "../config/load.ts";
import type { ScrubProgress } from "../scrub/progress.ts";
import { adminClientFor, ServerRefused, ServerUnreachable } from "./admin-client.ts";
import { parse, UsageError } from "./args.ts";
import type { CliIo } from "./io.ts";
import { formatBytes } from "./bytes.ts";
import { PlainScrubView, summaryLine, TtyScrubView } from "./scrub-view.ts";

export const SCRUB_USAGE = `scrub [--server URL] [--dry-run] [--plain]
                                 re-hash every stored blob in the running regcache now;
                                 bad ones are moved to quarantine (--dry-run: only reported)`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function scrubCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { config: { type: "string" }, server: { type: "string" }, "dry-run": { type: "boolean" }, plain: { type: "boolean" } }, true);
  if (positionals.length) throw new UsageError(`scrub: unexpected argument ${JSON.stringify(positionals[0])}`);
  const client = adminClientFor(values.server, io.env, () => loadConfig(values.config, io.env).config);
  const tty = !values.plain && (io.stdout as NodeJS.WriteStream).isTTY === true;
  const view = tty ? new TtyScrubView(io.stdout) : new PlainScrubView(io.stdout);
  const started = Date.now();
  try {
    let run = (await client.call<ScrubProgress>("POST", "/scrub", { dry_run: values["dry-run"] === true })).body;
    for (;;) {
      view.update(run);
      if (run.state !== "running") break;
      await sleep(tty ? 200 : 500);
      run = (await client.call<ScrubProgress>("GET", `/scrub/runs/${encodeURIComponent(run.id)}`)).body;
    }
    view.finish(run);
    io.stdout.write(`${summaryLine(run, Date.now() - started)}\n`);
    if (run.state !== "done") {
      io.stderr.write(`regcache: scrub: ${run.state}: ${run.error ?? "see the regcache log"}\n`);
      return 1;
    }
    // Unreadable blobs need a person too (a failing disk), whoever uses them.
    const local = run.findings.filter((f) => f.owner === "local" || f.problem === "unreadable");
    for (const f of local) {
      const advice = f.problem === "unreadable" ? "check the disk" : "push the image(s) using it again";
      io.stderr.write(`regcache: scrub: ${f.owner} blob ${f.digest} is ${f.problem}; ${advice}\n`);
    }
    return local.length ? 1 : 0;
  } catch (e) {
    if (e instanceof ServerRefused && e.status === 409 && e.body.run) {
      const r = e.body.run as ScrubProgress;
      io.stderr.write(`regcache: scrub: a scrub is already running (started ${r.started}${r.dry_run ? ", dry run" : ""}): ${r.checked_blobs} of ${r.total_blobs} blobs, ${formatBytes(r.checked_bytes)} of ${formatBytes(r.total_bytes)} checked\n`);
      return 1;
    }
    if (e instanceof ServerUnreachable || e instanceof ServerRefused) {
      io.stderr.write(`regcache: scrub: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
