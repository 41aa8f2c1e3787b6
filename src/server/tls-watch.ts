// Notices a renewed certificate without SIGHUP. Polls the files' stat (mtime, size,
// inode) rather than fs.watch: certbot and friends replace files by rename or by
// re-pointing a symlink, which a watch on the old inode never sees, and stat follows
// the symlink to whatever file is current. A change is reported once the files have
// stayed the same for a whole interval, so that a cert written before its key is not
// taken for a mismatched pair.
import { statSync } from "node:fs";

export interface TlsWatchOptions {
  /** The files to watch now (they may change on SIGHUP); undefined while TLS is off. */
  files: () => { cert: string; key: string } | undefined;
  intervalMs: () => number;
  /** Called once for each new, settled state of the files. */
  onChange: () => void;
}

function signature(files: { cert: string; key: string }): string {
  return [files.cert, files.key]
    .map((path) => {
      try {
        const s = statSync(path);
        return `${path}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
      } catch (e) {
        return `${path}:${(e as NodeJS.ErrnoException).code ?? "error"}`;
      }
    })
    .join("|");
}

/** Starts polling; returns the function that stops it. */
export function watchTlsFiles(options: TlsWatchOptions): () => void {
  const initial = options.files();
  let reported = initial ? signature(initial) : "";
  let previous = reported;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const poll = () => {
    const files = options.files();
    const now = files ? signature(files) : "";
    // Settled (the same as one interval ago) and not yet reported.
    if (now === previous && now !== reported) {
      reported = now;
      if (files) options.onChange();
    }
    previous = now;
    schedule();
  };
  const schedule = () => {
    const ms = options.intervalMs();
    // "0s": SIGHUP only; look again later in case a reload turns watching on.
    timer = setTimeout(ms > 0 ? poll : schedule, ms > 0 ? ms : 10_000);
  };
  schedule();
  return () => clearTimeout(timer);
}
