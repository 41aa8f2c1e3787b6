// `regcache prefetch [--server URL] [--platform os/arch]… <ref>…`: asks the
// running server to pull images completely now, shows progress until they
// are, and exits 1 naming every image that could not be completed, and why.
// The pull belongs to the server: interrupting this command does not stop it.
import { loadConfig } from "../config/load.ts";
import { parseDuration } from "../config/units.ts";
import type { PullProgress } from "../prefetch/pulls.ts";
import { adminClientFor, ServerRefused, ServerUnreachable } from "./admin-client.ts";
import { parse, UsageError } from "./args.ts";
import { formatBytes } from "./bytes.ts";
import type { CliIo } from "./io.ts";
import { PlainView, TtyView } from "./prefetch-view.ts";

export const PREFETCH_USAGE = `prefetch [--server URL] [--platform os/arch]... [--timeout 30m] [--plain] REF...
                                 pull images completely into the running regcache now
                                 (REF like docker.io/library/nginx:1.27)`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function prefetchCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals: refs } = parse(
    args,
    { config: { type: "string" }, server: { type: "string" }, platform: { type: "string", multiple: true }, timeout: { type: "string" }, plain: { type: "boolean" } },
    true,
  );
  if (refs.length === 0) throw new UsageError("prefetch: name at least one image, e.g. docker.io/library/nginx:1.27");
  const timeoutMs = values.timeout === undefined ? undefined : parseDuration(values.timeout);
  if (timeoutMs === 0 || (values.timeout !== undefined && timeoutMs === undefined)) throw new UsageError(`--timeout: expected a duration like "30m", got ${JSON.stringify(values.timeout)}`);
  const client = adminClientFor(values.server, io.env, () => loadConfig(values.config, io.env).config, io.platform);
  const tty = !values.plain && (io.stdout as NodeJS.WriteStream).isTTY === true;
  const view = tty ? new TtyView(io.stdout) : new PlainView(io.stdout);

  const started = Date.now();
  try {
    let progress = await client.startPull(refs, values.platform ?? []);
    for (;;) {
      view.update(progress);
      if (progress.done) break;
      if (timeoutMs !== undefined && Date.now() - started > timeoutMs) break;
      await sleep(tty ? 200 : 500);
      progress = await client.pull(progress.id);
    }
    const fetchedNow = progress.images.reduce((n, image) => n + Math.max(0, image.fetched_bytes - image.cached_bytes), 0);
    view.finish(progress, summaryLine(progress, fetchedNow, Date.now() - started));
    const unfinished = progress.images.filter((i) => i.state !== "complete");
    for (const image of unfinished) {
      const why = image.state === "failed" ? (image.error ?? "unknown error") : `still ${image.state} after --timeout ${values.timeout}; the server keeps pulling it`;
      io.stderr.write(`regcache: prefetch: ${image.ref}: ${why}\n`);
    }
    return unfinished.length ? 1 : 0;
  } catch (e) {
    if (e instanceof ServerUnreachable || e instanceof ServerRefused) {
      io.stderr.write(`regcache: prefetch: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

export function summaryLine(p: PullProgress, fetchedNow: number, ms: number): string {
  const complete = p.images.filter((i) => i.state === "complete").length;
  const blobs = p.images.reduce((n, i) => n + i.blobs.length, 0);
  const total = p.images.reduce((n, i) => n + i.total_bytes, 0);
  const head = complete === p.images.length ? `prefetched ${complete} of ${p.images.length} image(s) completely` : `prefetch incomplete: ${complete} of ${p.images.length} image(s) complete, ${p.images.length - complete} not`;
  return `${head}: ${blobs} blobs, ${formatBytes(total)}, ${formatBytes(fetchedNow)} downloaded in ${(ms / 1000).toFixed(1)} s`;
}
