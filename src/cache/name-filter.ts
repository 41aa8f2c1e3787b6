// [[upstream]] allow / deny: which repositories (as the upstream knows them,
// "library/nginx") may be pulled through the cache. Deny wins; an empty allow
// allows everything. Checked before any upstream request.
import { compileNameGlob } from "../oci/name-glob.ts";

/** Returns why `name` is refused ("deny rule \"x/*\"", "no allow rule matches"), or undefined. */
export function nameFilter(allow: readonly string[], deny: readonly string[]): (name: string) => string | undefined {
  const allows = allow.map((p) => [p, compileNameGlob(p)] as const);
  const denies = deny.map((p) => [p, compileNameGlob(p)] as const);
  return (name) => {
    const denied = denies.find(([, re]) => re.test(name));
    if (denied) return `deny rule ${JSON.stringify(denied[0])}`;
    if (allows.length > 0 && !allows.some(([, re]) => re.test(name))) return `no allow rule matches (allow = ${JSON.stringify(allow)})`;
    return undefined;
  };
}
