// The whole regcache.toml as one valibot schema. Every key is optional and has
// a safe default; unknown keys are errors (strictObject), so a typo never
// silently falls back to a default.
import * as v from "valibot";
import { cidr, duration, listenAddress, size } from "./fields.ts";
import { storageLifecycleKeys, lowWaterBelowMaxSize } from "./storage.ts";
import { upstreamSection } from "./upstream.ts";
import { prefetchSection, unknownPrefetchUpstream } from "./prefetch.ts";
import { squidSection } from "./squid.ts";
import { scrubKeys } from "./scrub.ts";
import { accessEntry, authSection, unknownGroup } from "./auth.ts";

const serverSection = v.strictObject({
  /** Address to listen on. Default ":5000" (all interfaces, port 5000). */
  listen: v.optional(listenAddress(), ":5000"),
  /** Upstream that serves repository paths without an upstream prefix (docker's
   *  registry-mirrors). Default "": such paths are local repositories. */
  default_upstream: v.optional(v.string(), ""),
  /** File holding the admin API's bearer token. Default "": the admin API (/api/v1/)
   *  answers loopback clients only; with a token it answers anyone who sends it. */
  admin_token_file: v.optional(v.string(), ""),
  /** With default_upstream set: the first path components that are local (pushable)
   *  repositories, e.g. ["myorg", "ci"]. Default []: every name without an upstream prefix
   *  belongs to default_upstream and pushes to it are refused (403). Without
   *  default_upstream, every such name is local and this list is not used. */
  local_namespaces: v.optional(v.array(v.pipe(v.string(), v.regex(/^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/, (i) => `expected a lower-case path component like "myorg", got ${JSON.stringify(i.input)}`))), []),
  /** How long SIGTERM waits for in-flight transfers. Default "30s"; "0s" stops at once. */
  shutdown_grace: v.optional(duration(), "30s"),
  /** Largest manifest accepted from a client or an upstream. Default "4MiB". */
  max_manifest_size: v.optional(size(), "4MiB"),
  /** Reverse proxies (CIDRs, e.g. ["127.0.0.1/32"]) in front of regcache, such as a TLS
   *  terminator. A request from one of them is judged by the client address in its
   *  X-Forwarded-For (the admin API's loopback rule uses it). Default []: none; every
   *  request is judged by its peer address. */
  trusted_proxies: v.optional(v.array(cidr()), []),
  /** Log level: "debug", "info", "warn", "error". Default "info". */
  log_level: v.optional(v.picklist(["debug", "info", "warn", "error"], `expected one of "debug", "info", "warn", "error"`), "info"),
  /** HTTPS certificate: a PEM file, the leaf first, then its intermediates (served whole).
   *  Default "": no TLS. Set together with tls_key; one without the other is an error. */
  tls_cert: v.optional(v.string(), ""),
  /** HTTPS private key (PEM, unencrypted) for tls_cert. Default "": no TLS. */
  tls_key: v.optional(v.string(), ""),
  /** How often tls_cert and tls_key are checked for a change (a renewal), which is then
   *  served to new connections without a restart. Default "10s"; "0s": on SIGHUP only. */
  tls_watch_interval: v.optional(duration(), "10s"),
  // operator (issue 15):
  /** Status page (/, /status) for anyone. Default false: the admin API's rule (loopback, or the admin token). */
  status_public: v.optional(v.boolean("expected true or false"), false),
});

const storageSection = v.strictObject({
  /** Directory for the blob store and the SQLite database. Default "./regcache-data". */
  path: v.optional(v.pipe(v.string(), v.minLength(1, "expected a directory path")), "./regcache-data"),
  /** Largest blob downloaded from an upstream when neither a manifest nor Content-Length
   *  says its size: a download that passes it is stopped and deleted. Default "16GiB". */
  max_blob_size: v.optional(size(), "16GiB"),
  /** Upload sessions with no PATCH or PUT for this long are removed with their bytes.
   *  Default "24h"; "0s" never expires them. */
  upload_expiry: v.optional(duration(), "24h"),
  ...scrubKeys,
  // disk lifecycle (issue 11): quota, eviction, garbage collection (config/storage.ts)
  ...storageLifecycleKeys,
});

export const configSchema = v.pipe(
  v.strictObject({
    server: v.optional(serverSection, {}),
    storage: v.optional(storageSection, {}),
    /** Upstream registries. Default: none when a file is given (the embedded defaults list the public ones). */
    upstream: v.optional(v.array(upstreamSection, "expected [[upstream]] tables"), []),
    prefetch: v.optional(prefetchSection, {}),
    squid: v.optional(squidSection, {}),
    /** Client authentication (issue 12). Absent (the default): every client may pull, push and delete. */
    auth: v.optional(authSection),
    /** Access rules, first match decides; with [auth] and no match: denied. Default []. */
    access: v.optional(v.array(accessEntry, "expected [[access]] tables"), []),
  }),
  v.check((c) => new Set(c.upstream.map((u) => u.name)).size === c.upstream.length, "upstream names must be unique"),
  v.check(
    (c) => c.server.default_upstream === "" || c.upstream.some((u) => u.name === c.server.default_upstream),
    (i) => `server.default_upstream: names no [[upstream]] (got ${JSON.stringify((i.input as { server: { default_upstream: string } }).server.default_upstream)})`,
  ),
  v.check((c) => unknownGroup(c) === undefined, (i) => unknownGroup(i.input as Parameters<typeof unknownGroup>[0])!),
  v.check((c) => lowWaterBelowMaxSize(c.storage) === undefined, (i) => lowWaterBelowMaxSize((i.input as { storage: Parameters<typeof lowWaterBelowMaxSize>[0] }).storage)!),
  v.check((c) => unknownPrefetchUpstream(c) === undefined, (i) => unknownPrefetchUpstream(i.input as Parameters<typeof unknownPrefetchUpstream>[0])!),
);

export type Config = v.InferOutput<typeof configSchema>;
export type UpstreamConfig = Config["upstream"][number];
