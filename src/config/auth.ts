// [auth], [auth.groups] and [[access]]: who may pull, push and delete (issue 12).
// Without an [auth] table nothing here applies and every client may do everything,
// as before; with one, every /v2/ request needs a token from /token and the
// [[access]] entries decide what it may carry.
import * as v from "valibot";
import { isNameGlob } from "../oci/name-glob.ts";
import { duration } from "./fields.ts";

export const ACTIONS = ["pull", "push", "delete"] as const;
export type Action = (typeof ACTIONS)[number];

const USER_NAME = /^[^:\s]{1,128}$/;
const userName = () => v.pipe(v.string(), v.regex(USER_NAME, (i) => `expected a user name (no colon, no spaces), got ${JSON.stringify(i.input)}`));

export const authSection = v.strictObject({
  /** htpasswd file of the users (bcrypt entries only: `htpasswd -B`); other hash types are refused at
   *  start with the line number. Required when [auth] is present; must not be readable by others.
   *  Re-read on SIGHUP. */
  htpasswd: v.pipe(v.string("expected the path of an htpasswd file"), v.minLength(1, "expected the path of an htpasswd file")),
  /** The token endpoint clients are sent to, e.g. "https://regcache.example:5000/token". Default "":
   *  the scheme and Host of each request + "/token" (set it behind a TLS-terminating proxy). */
  realm: v.optional(v.pipe(v.string(), v.check((s) => s === "" || /^https?:\/\/[^\s"]+$/.test(s), (i) => `expected a URL like "https://regcache.example/token", got ${JSON.stringify(i.input)}`)), ""),
  /** Lifetime of the tokens /token issues. Default "5m". */
  token_ttl: v.optional(v.pipe(duration(), v.minValue(1_000, "expected at least \"1s\""), v.maxValue(86_400_000, "expected at most \"24h\"")), "5m"),
  /** Groups of users for [[access]] entries, e.g. { dev = ["alice", "bob"] }. Default {}: none. */
  groups: v.optional(v.record(v.pipe(v.string(), v.regex(/^[A-Za-z0-9._-]{1,64}$/, "expected a group name of letters, digits, . _ -")), v.array(userName())), {}),
  /** Users who may use the admin API with a token of scope "registry:admin:*" (and list /v2/_catalog).
   *  Default []: nobody (the admin API keeps its loopback rule and admin_token_file). */
  admin_users: v.optional(v.array(userName()), []),
  /** Groups whose members are admins as admin_users are. Default []. */
  admin_groups: v.optional(v.array(v.string()), []),
});

export const accessEntry = v.strictObject({
  /** Glob over the full repository name as clients use it: `*` within a path component, `**`
   *  across, e.g. "docker.io/**", "myorg/*". Required. */
  repository: v.pipe(v.string("expected a repository glob"), v.check(isNameGlob, (i) => `expected a repository glob like "docker.io/**" or "myorg/*", got ${JSON.stringify(i.input)}`)),
  /** Users this entry is about. Default []. */
  users: v.optional(v.array(userName()), []),
  /** Groups (from [auth.groups]) this entry is about. Default []. */
  groups: v.optional(v.array(v.string()), []),
  /** true: the entry is about everyone, logged in or not. Default false. */
  anonymous: v.optional(v.boolean("expected true or false"), false),
  /** What the entry allows; an empty list denies (and stops the search). Default []. */
  actions: v.optional(v.array(v.picklist(ACTIONS, `expected one of ${ACTIONS.map((a) => `"${a}"`).join(", ")}`)), []),
});

export type AuthConfig = v.InferOutput<typeof authSection>;
export type AccessEntry = v.InferOutput<typeof accessEntry>;

/** The first group an [[access]] entry or admin_groups names that [auth.groups] lacks, as an error message. */
export function unknownGroup(c: { auth?: AuthConfig; access: AccessEntry[] }): string | undefined {
  const groups = c.auth?.groups ?? {};
  for (const [i, entry] of c.access.entries()) {
    const missing = entry.groups.find((g) => !Object.hasOwn(groups, g));
    if (missing !== undefined) return `access[${i}].groups: names no group of [auth.groups] (got ${JSON.stringify(missing)})`;
  }
  const missing = c.auth?.admin_groups.find((g) => !Object.hasOwn(groups, g));
  if (missing !== undefined) return `auth.admin_groups: names no group of [auth.groups] (got ${JSON.stringify(missing)})`;
  if (c.access.length > 0 && !c.auth) return "access: [[access]] entries need an [auth] table (htpasswd = ...)";
  return undefined;
}
