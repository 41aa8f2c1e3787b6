// How `regcache scrub` shows a run. On a terminal: one cli-progress bar (bytes checked of
// the total, blobs as text). Anywhere else: plain lines, no control characters. Findings
// are printed as they appear, in both.
import { SingleBar } from "cli-progress";
import { describeUsers, type ScrubFinding, type ScrubProgress } from "../scrub/progress.ts";
import { formatBytes } from "./bytes.ts";

export interface ScrubView {
  update(p: ScrubProgress): void;
  finish(p: ScrubProgress): void;
}

const ACTIONS: Record<ScrubFinding["action"], string> = {
  quarantined: "moved to quarantine",
  "row-removed": "row removed",
  "would-quarantine": "would move to quarantine",
  "would-remove-row": "would remove its row",
  "left-in-place": "left in place",
};

/** One line per finding: what, whose, what was done, and what happens next. */
export function findingLine(f: ScrubFinding): string {
  const what = f.problem === "corrupt" ? `corrupt (holds ${f.found!.digest}, ${formatBytes(f.found!.size)})` : f.problem === "missing" ? "missing (no file)" : `unreadable (${f.error})`;
  const done = f.quarantine_path ? `${ACTIONS[f.action]} ${f.quarantine_path}` : ACTIONS[f.action];
  const used = describeUsers(f.users, f.more_users);
  const next = f.action.startsWith("would") || f.action === "left-in-place" ? "" : f.owner === "cached" ? "; fetched again from its upstream" : f.owner === "local" ? "; push it again" : "";
  return `${f.owner} blob ${f.digest} ${formatBytes(f.size)}: ${what}; ${done}${next}${used.length ? `; used by ${used.join(", ")}` : ""}`;
}

export function summaryLine(p: ScrubProgress, ms: number): string {
  const head = p.state === "done" ? (p.dry_run ? "scrub (dry run) done" : "scrub done") : `scrub ${p.state}${p.error ? ` (${p.error})` : ""}`;
  return `${head}: ${p.checked_blobs} of ${p.total_blobs} blobs, ${formatBytes(p.checked_bytes)} checked in ${(ms / 1000).toFixed(1)} s; ${p.corrupt} corrupt, ${p.missing} missing${p.unreadable ? `, ${p.unreadable} unreadable` : ""}`;
}

const progressText = (p: ScrubProgress) => `${p.checked_blobs} / ${p.total_blobs} blobs, ${formatBytes(p.checked_bytes)} / ${formatBytes(p.total_bytes)}`;

abstract class FindingsPrinter {
  private printed = 0;
  constructor(protected readonly out: NodeJS.WritableStream) {}
  protected newFindings(p: ScrubProgress): string[] {
    const lines = p.findings.slice(this.printed).map(findingLine);
    this.printed = p.findings.length;
    return lines;
  }
}

export class PlainScrubView extends FindingsPrinter implements ScrubView {
  private lastTenth = -1;

  update(p: ScrubProgress): void {
    for (const line of this.newFindings(p)) this.out.write(`${line}\n`);
    // A progress line at every tenth of the bytes: enough for a log, never a flood.
    const tenth = p.total_bytes > 0 ? Math.floor((p.checked_bytes / p.total_bytes) * 10) : 10;
    if (p.state === "running" && tenth > this.lastTenth) {
      this.lastTenth = tenth;
      this.out.write(`scrub: ${progressText(p)} checked\n`);
    }
  }

  finish(p: ScrubProgress): void {
    for (const line of this.newFindings(p)) this.out.write(`${line}\n`);
  }
}

export class TtyScrubView extends FindingsPrinter implements ScrubView {
  private readonly bar: SingleBar;
  private started = false;

  constructor(out: NodeJS.WritableStream) {
    super(out);
    this.bar = new SingleBar({ stream: out as NodeJS.WriteStream, format: "scrub [{bar}] {percentage}% | {text}", barsize: 30, hideCursor: true, clearOnComplete: false, fps: 10, barCompleteChar: "█", barIncompleteChar: "░" });
  }

  update(p: ScrubProgress): void {
    const total = Math.max(1, p.total_bytes);
    if (!this.started) {
      this.bar.start(total, 0, { text: progressText(p) });
      this.started = true;
    }
    this.bar.setTotal(total);
    this.bar.update(p.state === "done" ? total : Math.min(total, p.checked_bytes), { text: progressText(p) });
    // Findings go above the bar: cli-progress redraws the bar below what is written.
    for (const line of this.newFindings(p)) this.out.write(`\r\u001b[K${line}\n`);
  }

  finish(p: ScrubProgress): void {
    this.update(p);
    this.bar.stop();
  }
}
