// The [[access]] rule engine: entries in order; the first whose repository glob
// matches and whose subjects include the caller decides what the caller may do.
// `anonymous = true` includes everyone, logged in or not. No match: nothing.
// A pure function of the config, so a SIGHUP that changes the rules changes the
// answer for the next request (tokens in flight are checked again, see http/auth-gate.ts).
import type { AccessEntry, Action, AuthConfig } from "../config/auth.ts";
import { compileNameGlob } from "../oci/name-glob.ts";

/** Who is asking: a user from the htpasswd file, or nobody (anonymous). */
export type Subject = { user: string } | { anonymous: true };

export const ANONYMOUS: Subject = { anonymous: true };
export const userOf = (s: Subject) => ("user" in s ? s.user : undefined);

interface CompiledEntry {
  pattern: RegExp;
  users: ReadonlySet<string>;
  anonymous: boolean;
  actions: readonly Action[];
}

export interface AccessRules {
  /** What `subject` may do on repository `name` (the full name, upstream prefix included). */
  allowed(subject: Subject, name: string): readonly Action[];
  /** Admin API and catalog rights. */
  isAdmin(subject: Subject): boolean;
}

const NONE: readonly Action[] = Object.freeze([]);

export function compileRules(auth: Pick<AuthConfig, "groups" | "admin_users" | "admin_groups">, entries: readonly AccessEntry[]): AccessRules {
  const members = (groups: readonly string[]) => groups.flatMap((g) => auth.groups[g] ?? []);
  const compiled: CompiledEntry[] = entries.map((e) => ({
    pattern: compileNameGlob(e.repository),
    users: new Set([...e.users, ...members(e.groups)]),
    anonymous: e.anonymous,
    actions: Object.freeze([...new Set(e.actions)]),
  }));
  const admins = new Set([...auth.admin_users, ...members(auth.admin_groups)]);
  return {
    allowed(subject, name) {
      const user = userOf(subject);
      for (const entry of compiled) {
        if (!entry.pattern.test(name)) continue;
        if (entry.anonymous || (user !== undefined && entry.users.has(user))) return entry.actions;
      }
      return NONE;
    },
    isAdmin: (subject) => {
      const user = userOf(subject);
      return user !== undefined && admins.has(user);
    },
  };
}
