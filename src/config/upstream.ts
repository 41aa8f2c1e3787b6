// [[upstream]]: a remote registry that regcache caches. Its `name` is the first
// path component clients use: /v2/<name>/library/nginx/manifests/latest.
import * as v from "valibot";
import { isNameGlob } from "../oci/name-glob.ts";
import { duration } from "./fields.ts";

export const FAILURE_CLASSES = ["refused", "reset", "dns", "timeout", "tls", "http-5xx", "http-429", "http-404", "http-401/403", "invalid-response"] as const;

/** The failures that serve a stale copy by default; http-404 and http-401/403 are opt-in. */
export const DEFAULT_STALE_IF_ERROR = ["refused", "reset", "dns", "timeout", "tls", "http-5xx", "http-429"] as const;

const nameGlob = () => v.pipe(v.string(), v.check(isNameGlob, (i) => `expected a repository glob like "library/*" or "team/**", got ${JSON.stringify(i.input)}`));

/** "http://host[:port]" or "https://host[:port]", nothing else: redirect_allow compares origins. */
function isOrigin(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === "http:" || u.protocol === "https:") && u.origin === text.replace(/\/$/, "");
  } catch {
    return false;
  }
}

const origin = () =>
  v.pipe(
    v.string(`expected an origin like "http://10.0.0.5:9000"`),
    v.check(isOrigin, (i) => `expected an origin like "http://10.0.0.5:9000" (scheme, host, optional port; no path), got ${JSON.stringify(i.input)}`),
  );

const NAME_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;

export const upstreamSection = v.strictObject({
  /** Path prefix clients use, e.g. "docker.io". Required; a lower-case path component. */
  name: v.pipe(v.string("expected a name like \"docker.io\""), v.regex(NAME_COMPONENT, (i) => `expected a lower-case name like "docker.io", got ${JSON.stringify(i.input)}`)),
  /** Base URL, e.g. "https://registry-1.docker.io". Required. http:// needs insecure = true. */
  url: v.pipe(v.string("expected a URL"), v.url((i) => `expected a URL like "https://registry-1.docker.io", got ${JSON.stringify(i.input)}`)),
  /** Serve a cached tag without asking the upstream for this long. Default "24h"; "0s" revalidates every pull. */
  ttl: v.optional(duration(), "24h"),
  /** After ttl, keep serving the cached copy this long while the upstream fails. Default "7d"; "0s" never serves stale. */
  staleness: v.optional(duration(), "7d"),
  /** Which failures allow a stale copy. Default: refused, reset, dns, timeout, tls, http-5xx, http-429. Empty: none. */
  stale_if_error: v.optional(v.array(v.picklist(FAILURE_CLASSES, `expected one of ${FAILURE_CLASSES.join(", ")}`)), [...DEFAULT_STALE_IF_ERROR]),
  /** User name for the upstream. Default "": anonymous (tokens are still fetched when the upstream asks). */
  username: v.optional(v.string(), ""),
  /** File holding the password or token for `username`. Default "": none. */
  password_file: v.optional(v.string(), ""),
  /** PEM file with extra CA certificates to trust. Default "": the system's CAs. */
  ca_file: v.optional(v.string(), ""),
  /** Allow plain http:// and unverified TLS. Default false. */
  insecure: v.optional(v.boolean("expected true or false"), false),
  /** TCP+TLS connect timeout. Default "5s". */
  connect_timeout: v.optional(duration(), "5s"),
  /** Time to wait for response headers. Default "30s". */
  timeout: v.optional(duration(), "30s"),
  /** Platforms of an index to cache completely, e.g. ["linux/amd64"]. Default []: all of them. */
  platforms: v.optional(v.array(v.pipe(v.string(), v.regex(/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/, (i) => `expected a platform like "linux/amd64", got ${JSON.stringify(i.input)}`))), []),
  /** Origins ("http://10.0.0.5:9000") that redirects and token realms of this upstream may lead to
   *  although their address is loopback, link-local, private or unspecified. The upstream's own
   *  url is always allowed. Default []: none; a redirect into the site answers 502 UPSTREAM_INVALID. */
  redirect_allow: v.optional(v.array(origin()), []),
  /** Also cache artifacts that refer to an image (signatures, SBOMs). Default false. */
  referrers: v.optional(v.boolean("expected true or false"), false),
  /** Repository X of this upstream is remote_namespace/X at its url: a regional regcache as the
   *  upstream (url = "https://hub:5000", remote_namespace = "quay.io"). Default "": X itself. */
  remote_namespace: v.optional(v.pipe(v.string(), v.regex(/^([a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*)?$/, (i) => `expected a repository path like "quay.io", got ${JSON.stringify(i.input)}`)), ""),
  /** Mirrors tried in order before `url`, e.g. [{ url = "https://hub:5000", remote_namespace =
   *  "docker.io" }]. A mirror that fails with an outage is skipped for `mirror_backoff`, doubling
   *  on each further failure. Mirrors get no credentials. Default []: none. */
  mirrors: v.optional(
    v.array(
      v.strictObject({
        url: v.pipe(v.string("expected a URL"), v.url((i) => `expected a URL like "https://hub:5000", got ${JSON.stringify(i.input)}`)),
        remote_namespace: v.optional(v.string(), ""),
        insecure: v.optional(v.boolean("expected true or false"), false),
      }),
    ),
    [],
  ),
  /** How long a failed mirror is skipped before it is tried again. Default "30s". */
  mirror_backoff: v.optional(duration(), "30s"),
  /** Other names containerd may send as ?ns= for this upstream, e.g. ["registry-1.docker.io",
   *  "index.docker.io"]. Its name and its url's host[:port] always match. Default []. */
  aliases: v.optional(v.array(v.string()), []),
  /** Repository names (as the upstream knows them) that may be pulled: globs, * within a path
   *  component, ** across, e.g. ["library/*"]. Default []: all. */
  allow: v.optional(v.array(nameGlob()), []),
  /** Repository names that may never be pulled; deny wins over allow. Default []: none. */
  deny: v.optional(v.array(nameGlob()), []),
  // Private upstream content (issue 12):
  /** Whose credentials reach this upstream. "configured" (default): username + password_file (or
   *  none), and [[access]] alone decides who is served. "passthrough": each client's own Basic
   *  credentials (sent to regcache's /token) are used at the upstream, and cached content of this
   *  upstream is served only to clients the upstream accepted for that repository. Needs [auth]. */
  auth: v.optional(v.picklist(["configured", "passthrough"], `expected "configured" or "passthrough"`), "configured"),
  /** passthrough: how long the upstream's yes for a (credential, repository) is believed without
   *  asking again. Default "5m"; "0s" asks at every token request. */
  auth_cache: v.optional(duration(), "5m"),
  /** passthrough, when the upstream cannot be asked (an outage): "deny" (default) refuses everyone;
   *  "confirmed-within" serves clients the upstream confirmed within outage_window. */
  outage_access: v.optional(v.picklist(["deny", "confirmed-within"], `expected "deny" or "confirmed-within"`), "deny"),
  /** With outage_access = "confirmed-within": how old a confirmation may be. Default "24h". */
  outage_window: v.optional(duration(), "24h"),
});
