// [prefetch]: background downloads that complete cached images and keep tags warm.
//
//   [prefetch]
//   concurrency = 4
//   max_bandwidth = "20MiB/s"
//   sweep = "*/10 * * * *"
//   [[prefetch.image]]
//   ref = "docker.io/library/nginx:1.27"
//   schedule = "0 3 * * *"
//   [[prefetch.image]]
//   ref = "docker.io/library/nginx"      # a repository, with a tag pattern
//   tags = "^1\\.27\\."
//   schedule = "0 3 * * *"
import * as v from "valibot";
import { parseImageRef } from "../oci/image-ref.ts";
import { cronExpression, optionalCron } from "./cron.ts";
import { duration, rate, regex } from "./fields.ts";

const show = (x: unknown) => JSON.stringify(x);
const whole = (min: number, max: number) =>
  v.pipe(v.number("expected a number"), v.integer("expected a whole number"), v.minValue(min, `expected at least ${min}`), v.maxValue(max, `expected at most ${max}`));

const imageRef = () =>
  v.pipe(
    v.string(`expected a reference like "docker.io/library/nginx:1.27"`),
    v.check((s) => parseImageRef(s) !== undefined, (i) => `expected a reference like "docker.io/library/nginx:1.27", got ${show(i.input)}`),
  );

const platform = () => v.pipe(v.string(), v.regex(/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/, (i) => `expected a platform like "linux/amd64", got ${show(i.input)}`));

export const prefetchImageEntry = v.pipe(
  v.strictObject({
    /** "<upstream>/<repository>:<tag>" or "@<digest>"; with `tags`, the repository alone. Required. */
    ref: imageRef(),
    /** When to pull it: a cron expression, e.g. "0 3 * * *". Required. */
    schedule: cronExpression(),
    /** Platforms of an index to keep, e.g. ["linux/amd64"]. Default []: the upstream's `platforms`. */
    platforms: v.optional(v.array(platform()), []),
    /** A regular expression over the upstream's tags of `ref`'s repository. Default "": just `ref`. */
    tags: v.optional(regex(), ""),
    /** With `tags`: how many matching tags to keep, the highest in version order. Default 10. */
    max_tags: v.optional(whole(1, 1000), 10),
  }),
  v.forward(
    v.check((e) => {
      // An unparsable ref was reported by its own check; valibot still runs this one.
      const r = parseImageRef(e.ref);
      if (!r) return true;
      return e.tags === "" ? r.tag !== undefined || r.digest !== undefined : r.tag === undefined && r.digest === undefined;
    }, (i) => {
      const e = i.input as { tags: string };
      return e.tags === "" ? "expected a tag or digest (\"docker.io/library/nginx:1.27\"), or a `tags` pattern" : "with `tags`, name the repository only (\"docker.io/library/nginx\")";
    }),
    ["ref"],
  ),
);

export const prefetchSection = v.strictObject({
  /** Parallel blob downloads. Default 4. */
  concurrency: v.optional(whole(1, 64), 4),
  /** Bandwidth cap for background downloads, e.g. "20MiB/s". Default "": unlimited. */
  max_bandwidth: v.optional(v.union([v.literal(""), rate()], `expected a rate like "20MiB/s"`), ""),
  /** Queue every blob of a manifest stored from an upstream. Default true; false: only schedules and `regcache prefetch`. */
  complete_on_pull: v.optional(v.boolean("expected true or false"), true),
  /** How long what a client's pull queued waits before workers fetch it: the client usually
   *  asks for the blobs it lacks at once, and its own download is never throttled. Default "2s"; "0s" at once. */
  pull_delay: v.optional(duration(), "2s"),
  // When to look for incomplete images and queue what they miss.
  // Default "*/10 * * * *" (every ten minutes); "" never.
  sweep: v.optional(optionalCron(), "*/10 * * * *"),
  /** Wait before the first retry of a failed download; doubles per attempt. Default "10s". */
  retry_backoff: v.optional(duration(), "10s"),
  /** Longest wait between retries. Default "1h". */
  max_retry_backoff: v.optional(duration(), "1h"),
  /** Attempts before a job is marked failed; the sweep re-arms it after max_retry_backoff. Default 10. */
  max_attempts: v.optional(whole(1, 1000), 10),
  /** Images pulled on a schedule. Default: none. */
  image: v.optional(v.array(prefetchImageEntry, "expected [[prefetch.image]] tables"), []),
});

export type PrefetchConfig = v.InferOutput<typeof prefetchSection>;
export type PrefetchImageConfig = PrefetchConfig["image"][number];

/** The first [[prefetch.image]] whose ref names no [[upstream]], as a config error message. */
export function unknownPrefetchUpstream(c: { prefetch: PrefetchConfig; upstream: readonly { name: string }[] }): string | undefined {
  const names = new Set(c.upstream.map((u) => u.name));
  for (const [i, image] of c.prefetch.image.entries()) {
    const parsed = parseImageRef(image.ref);
    if (!parsed) continue;
    const first = parsed.name.split("/")[0]!;
    if (!names.has(first) || !image.ref.includes("/")) {
      return `prefetch.image[${i}].ref: ${show(first)} names no [[upstream]]; expected "<upstream>/<repository>:<tag>" (got ${show(image.ref)})`;
    }
  }
  return undefined;
}
