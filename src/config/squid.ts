// The [squid] section of regcache.toml: everything `regcache squid config`,
// `squid store-id` and `squid icap` need. Every key is optional; the defaults
// fit a Debian squid-openssl install caching quay.io's CDN. Values that end up
// on a squid.conf line are checked here so that a bad value is a config error
// with the key's name, not a squid.conf that Squid rejects later.
import * as v from "valibot";
import { duration, listenAddress, regex, size } from "./fields.ts";

// squid.conf splits on whitespace and has no quoting for these values.
const word = (what: string) =>
  v.pipe(v.string(`expected ${what}`), v.regex(/^[^\s"#]+$/, `expected ${what} without spaces, quotes or '#'`));

// A pattern goes into both JavaScript (the helper) and Squid (POSIX ERE, url_regex).
const pattern = () => v.pipe(regex(), v.regex(/^[^\s"]+$/, "a CDN URL pattern must not contain spaces or quotes"));

const percent = () => v.pipe(v.number("expected a percentage"), v.integer(), v.minValue(1), v.maxValue(100));
const count = (max: number) => v.pipe(v.number("expected a whole number"), v.integer(), v.minValue(0), v.maxValue(max));

/** quay.io's signed blob URLs: content-addressed (sha256 + 64 hex digits in the path). */
export const QUAY_CDN_PATTERN = "^https://cdn([0-9]{2})?\\.quay\\.io/.+/sha256/.+/[a-f0-9]{64}";

const squidFields = {
  // Squid's http_port, the address clients use as their proxy. Default "3128":
  // every interface, fenced by `clients` below. Never empty.
  listen: v.optional(listenAddress(), "3128"),
  // Source networks (CIDR) allowed to use the proxy, besides localhost which always
  // may. Default: the private IPv4 ranges, IPv6 ULA and link-local. Empty: localhost only.
  clients: v.optional(v.array(word("a CIDR like 10.0.0.0/8")), [
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fe80::/10",
  ]),
  // Host names (dstdomain syntax: a leading dot takes subdomains too) whose TLS is
  // bumped and whose requests lose their Authorization header. Default: quay.io's CDN
  // hosts. Empty: nothing is bumped, so nothing from a CDN is cached.
  cdn_hosts: v.optional(v.array(word("a host name")), [
    "cdn.quay.io", "cdn01.quay.io", "cdn02.quay.io", "cdn03.quay.io",
  ]),
  // Regular expressions (JavaScript and POSIX ERE alike) for content-addressed CDN blob
  // URLs: only these get a shared cache key and are cached. Default: quay.io's pattern.
  // Empty: cache nothing (never "cache everything"). A pattern must also match its URLs
  // with the query removed and the host's digits stripped (cdn01 → cdn): Squid matches
  // refresh_pattern against that key.
  cdn_url_patterns: v.optional(v.array(pattern()), [QUAY_CDN_PATTERN]),
  // How long a cached blob counts as fresh; content-addressed bytes never change.
  // Default "365d". Zero: revalidated on every request.
  blob_max_age: v.optional(duration(), "365d"),
  // cache_dir path and type ("aufs" or "rock"). Default "/var/spool/squid", "aufs".
  cache_dir: v.optional(word("a directory"), "/var/spool/squid"),
  cache_type: v.optional(v.picklist(["aufs", "rock"], `expected "aufs" or "rock"`), "aufs"),
  // Disk cache size. Default "100GiB". Must be at least 1MiB.
  cache_size: v.optional(v.pipe(size(), v.minValue(1024 ** 2, "cache_size must be at least 1MiB")), "100GiB"),
  // Eviction starts at cache_swap_high percent full and stops at cache_swap_low.
  // Defaults 90 and 95 (Squid's own).
  cache_swap_low: v.optional(percent(), 90),
  cache_swap_high: v.optional(percent(), 95),
  // Memory cache (cache_mem). Default "256MiB". "0B": no memory cache.
  memory_cache: v.optional(size(), "256MiB"),
  // Largest object kept in the memory cache, so that small layers are memory hits.
  // Default "32MiB"; never more than memory_cache. "0B": every hit comes from disk.
  maximum_object_size_in_memory: v.optional(size(), "32MiB"),
  // Largest object stored. Default "8GiB": real layers exceed Squid's 4 MB default and
  // the 192 MB seen in deployments. Zero would cache nothing.
  maximum_object_size: v.optional(size(), "8GiB"),
  // The bump CA (PEM certificate and key) and the certificate generator with its
  // database. Defaults: /etc/squid/regcache-ca.pem, /etc/squid/regcache-ca.key,
  // /usr/lib/squid/security_file_certgen, /var/lib/squid/regcache-ssl_db. Never empty.
  ca_cert: v.optional(word("a file path"), "/etc/squid/regcache-ca.pem"),
  ca_key: v.optional(word("a file path"), "/etc/squid/regcache-ca.key"),
  certgen: v.optional(word("a program path"), "/usr/lib/squid/security_file_certgen"),
  ssl_db: v.optional(word("a directory"), "/var/lib/squid/regcache-ssl_db"),
  // How Squid starts this binary for the store-id helper; "squid store-id" is appended,
  // and "--config <path>" when `squid config` knows the config file. Default
  // "/usr/local/bin/regcache". It may hold several words ("bun /opt/x/main.ts").
  command: v.optional(v.pipe(v.string(), v.regex(/^[^"#\n]+$/, "command must not contain quotes or '#'")), "/usr/local/bin/regcache"),
  // Helper processes and requests in flight per process. Defaults 5 and 50.
  // Zero children: no store-id helper, so nothing gets a shared key and nothing is cached.
  store_id_children: v.optional(count(1000), 5),
  store_id_concurrency: v.optional(v.pipe(count(1000), v.minValue(1)), 50),
  // The helper's probe of a signed URL gives up after this long and answers "no
  // shared key". Default "10s". Never zero.
  probe_timeout: v.optional(v.pipe(duration(), v.minValue(1, "probe_timeout must be above zero")), "10s"),
  // Where `regcache squid icap` listens and Squid sends REQMOD. Default "127.0.0.1:1344".
  icap_listen: v.optional(listenAddress(), "127.0.0.1:1344"),
  // What Squid does with a CDN blob request while the ICAP service is down. Default
  // false: the request fails (fail closed), so no client credentials reach the CDN.
  // true: it is forwarded unchanged, Authorization included (and not cached).
  icap_bypass: v.optional(v.boolean(), false),
  // The user Squid runs as, and so runs the store-id helper as; `squid config` checks
  // that this user can execute `command` and read the config file. Default "proxy"
  // (Debian's); other values are written to squid.conf as cache_effective_user.
  cache_effective_user: v.optional(word("a user name"), "proxy"),
  // Log directory, pid file and the name in Squid's error pages. Defaults
  // "/var/log/squid", "/run/squid.pid", "" (empty: the machine's host name).
  log_dir: v.optional(word("a directory"), "/var/log/squid"),
  pid_file: v.optional(word("a file path"), "/run/squid.pid"),
  visible_hostname: v.optional(v.union([v.literal(""), word("a host name")]), ""),
};

export const squidSection = v.pipe(
  v.strictObject(squidFields),
  v.check((s) => s.cache_swap_low < s.cache_swap_high, "cache_swap_low must be below cache_swap_high"),
);

export type SquidSettings = v.InferOutput<typeof squidSection>;

export const defaultSquidSettings: SquidSettings = Object.freeze(v.parse(squidSection, {}));
