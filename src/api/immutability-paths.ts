// Where an admin request points. Quay's paths name a repository as
// {namespace}/{repo}; regcache repositories can have more components
// ("docker.io/library/nginx"), so {repo} may hold raw slashes or %2F, and the
// path is read from its END: the last segments say what is addressed, the rest
// is the repository name. Both of these address the same policies:
//   /api/v1/repository/docker.io/library/nginx/immutabilitypolicy/
//   /api/v1/repository/docker.io%2Flibrary%2Fnginx/immutabilitypolicy/
// The one path that could read two ways, ".../tag/immutabilitypolicy", means a
// tag for PUT and the policy list for GET and POST (the only methods each has).
import { isValidName, isValidTag } from "../oci/names.ts";
import type { Scope } from "../policy/index.ts";

export type AdminTarget =
  | { kind: "all-policies" }
  | { kind: "policies"; scope: Scope }
  | { kind: "policy"; scope: Scope; uuid: string }
  | { kind: "tags"; repository: string }
  | { kind: "tag"; repository: string; tag: string }
  | { kind: "invalid"; message: string };

const COLLECTION = "immutabilitypolicy";

function segments(path: string): string[] | undefined {
  try {
    const parts = path.split("/").map(decodeURIComponent);
    if (parts.at(-1) === "") parts.pop(); // Quay writes collections with a trailing slash
    return parts;
  } catch {
    return undefined;
  }
}

const isNamespace = (ns: string) => isValidName(ns) && !ns.includes("/");

function repositoryTarget(parts: string[], method: string): AdminTarget | undefined {
  const n = parts.length;
  const name = (end: number) => parts.slice(0, end).join("/");
  let target: AdminTarget | undefined;
  if (method === "PUT" && n >= 3 && parts[n - 2] === "tag") target = { kind: "tag", repository: name(n - 2), tag: parts[n - 1]! };
  else if (n >= 2 && parts[n - 1] === "tag") target = { kind: "tags", repository: name(n - 1) };
  else if (n >= 2 && parts[n - 1] === COLLECTION) target = { kind: "policies", scope: { namespace: "", repository: name(n - 1) } };
  else if (n >= 3 && parts[n - 2] === COLLECTION) target = { kind: "policy", scope: { namespace: "", repository: name(n - 2) }, uuid: parts[n - 1]! };
  else if (n >= 3 && parts[n - 2] === "tag") target = { kind: "tag", repository: name(n - 2), tag: parts[n - 1]! };
  if (!target) return undefined;

  const repository = target.kind === "policies" || target.kind === "policy" ? target.scope.repository! : (target as { repository: string }).repository;
  if (!isValidName(repository)) return { kind: "invalid", message: `invalid repository name ${JSON.stringify(repository.slice(0, 200))}` };
  if (target.kind === "tag" && !isValidTag(target.tag)) return { kind: "invalid", message: `invalid tag ${JSON.stringify(target.tag.slice(0, 150))}` };
  if (target.kind === "policies" || target.kind === "policy") target.scope.namespace = repository.split("/")[0]!;
  return target;
}

/** `path` is the part after /api/v1/; undefined when it is not an immutability endpoint. */
export function parseAdminPath(path: string, method: string): AdminTarget | undefined {
  const parts = segments(path);
  if (!parts) return { kind: "invalid", message: "the path is not valid percent-encoding" };
  if (parts.length === 1 && parts[0] === COLLECTION) return { kind: "all-policies" };
  if (parts[0] === "organization" && parts[2] === COLLECTION && (parts.length === 3 || parts.length === 4)) {
    const namespace = parts[1]!;
    if (!isNamespace(namespace)) return { kind: "invalid", message: `invalid namespace ${JSON.stringify(namespace.slice(0, 200))}: one lower-case path component like "docker.io" or "myorg"` };
    const scope = { namespace, repository: null };
    return parts.length === 3 ? { kind: "policies", scope } : { kind: "policy", scope, uuid: parts[3]! };
  }
  if (parts[0] === "repository" && parts.length >= 3) return repositoryTarget(parts.slice(1), method);
  return undefined;
}
