// Token scopes as the docker token spec writes them: "repository:NAME:pull,push",
// "registry:catalog:*", and regcache's own "registry:admin:*" (the admin API).
// A token's `access` claim holds the granted part, one entry per resource.

export interface AccessClaim {
  type: "repository" | "registry";
  name: string;
  actions: string[];
}

/** Scopes a client may ask for. Anything else is ignored (granted nothing), as the spec allows. */
const SCOPE = /^(repository|registry):([^:]{1,255}):([a-z*]+(?:,[a-z*]+)*)$/;
// OCI names hold no colon, so "repository:host:5000/x:pull" names nothing regcache serves and
// matches no pattern here: it grants nothing.

/** Parses one `scope=` value; several scopes may also come space-separated in one value. */
export function parseScopes(values: readonly string[]): AccessClaim[] {
  const out: AccessClaim[] = [];
  for (const value of values) {
    for (const part of value.split(" ")) {
      const m = SCOPE.exec(part);
      if (!m) continue;
      out.push({ type: m[1] as AccessClaim["type"], name: m[2]!, actions: [...new Set(m[3]!.split(","))] });
    }
  }
  return out.slice(0, 64); // bounded: a request asking for thousands of scopes gets the first 64
}

/** The scope string of a challenge: what the client should ask /token for. */
export const scopeString = (name: string, actions: readonly string[]) => `repository:${name}:${actions.join(",")}`;

/** Does the token's access claim grant `action` on repository `name`? */
export function grants(access: readonly AccessClaim[], type: AccessClaim["type"], name: string, action: string): boolean {
  return access.some((a) => a.type === type && a.name === name && a.actions.includes(action));
}
