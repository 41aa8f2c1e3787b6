// The store-id helper loop: read Squid's requests from input, decide a cache key
// for each, write one reply line per request to output. Returns when input ends.
import { createInterface } from "node:readline";
import { isBlobUrl, storeKey } from "../cdn.ts";
import { formatHelperReply, parseHelperLine } from "./protocol.ts";

/** Answers whether a signed URL is valid right now (true only for 200/206). */
export type Probe = (url: string, signal: AbortSignal) => Promise<boolean>;

export interface StoreIdHelperOptions {
  /** The CDN blob patterns; an empty list means every URL is answered ERR. */
  patterns: readonly RegExp[];
  probe: Probe;
  /** One line per noteworthy event, for Squid's cache.log (via stderr). */
  log?: (line: string) => void;
}

/** Decides the store-id of one URL: the shared key only when its signed URL works. */
export function createDecider(opts: StoreIdHelperOptions, signal: AbortSignal) {
  // Single flight: Squid may ask about one URL many times at once (parallel
  // clients); one probe answers them all. Nothing is remembered after it settles,
  // so an expired signature is never vouched for by an old answer.
  const inFlight = new Map<string, Promise<boolean>>();
  return async (url: string): Promise<string | undefined> => {
    // Non-matching URLs are answered without a probe.
    if (!isBlobUrl(url, opts.patterns)) return undefined;
    const key = storeKey(url);
    if (key === undefined) return undefined;
    let pending = inFlight.get(url);
    if (!pending) {
      pending = opts.probe(url, signal).catch((err: Error) => {
        opts.log?.(`probe of ${url.split("?")[0]} threw ${err.name}: ${err.message}; answered ERR`);
        return false;
      });
      inFlight.set(url, pending);
      void pending.finally(() => inFlight.delete(url));
    }
    return (await pending) ? key : undefined;
  };
}

export async function runStoreIdHelper(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  opts: StoreIdHelperOptions,
): Promise<void> {
  const stop = new AbortController();
  const decide = createDecider(opts, stop.signal);
  // Each reply is one write() of a whole line: the stream keeps writes whole and in
  // call order, so concurrent replies never interleave within a line.
  let outputOpen = true;
  output.on("error", (err: Error) => {
    if (outputOpen) opts.log?.(`cannot write answers (${err.message}): Squid is gone; stopping`);
    outputOpen = false;
  });
  const reply = (channel: string | undefined, storeId: string | undefined) => {
    if (outputOpen) output.write(formatHelperReply(channel, storeId));
  };

  const pending = new Set<Promise<void>>();
  // Without channel IDs Squid matches replies by position: chain them.
  let ordered: Promise<void> = Promise.resolve();
  // Every error is an ERR answer and a log line: the helper never exits over one request.
  const decideSafely = (url: string) =>
    decide(url).catch((err: Error) => {
      opts.log?.(`error deciding ${url.split("?")[0]}: ${err.name}: ${err.message}; answered ERR`);
      return undefined;
    });

  const lines = createInterface({ input, crlfDelay: Infinity, terminal: false });
  for await (const line of lines) {
    const req = parseHelperLine(line);
    if (req.kind === "empty") continue;
    if (req.kind === "malformed") {
      opts.log?.(`malformed request line (${line.length} bytes), answered ERR`);
      if (req.channel !== undefined) reply(req.channel, undefined);
      else ordered = ordered.then(() => reply(undefined, undefined));
      continue;
    }
    const decision = decideSafely(req.url);
    const { channel } = req;
    // Unordered replies go out when ready; ordered ones decide concurrently too
    // but wait for their predecessors' replies before writing.
    const task = channel !== undefined
      ? decision.then((id) => reply(channel, id))
      : (ordered = ordered.then(() => decision).then((id) => reply(undefined, id)));
    pending.add(task);
    void task.finally(() => pending.delete(task));
  }
  // stdin closed: Squid is gone or reconfiguring, nobody waits for the answers.
  stop.abort();
  await Promise.allSettled([...pending, ordered]);
}
