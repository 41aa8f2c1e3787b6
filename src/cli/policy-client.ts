// The policy commands' view of the admin API: the policy JSON and the URLs of
// a scope's policies, on top of the shared AdminClient.
import type { Scope } from "../policy/index.ts";
import { type AdminClient, ServerRefused } from "./admin-client.ts";

/** A policy as the API returns it. */
export interface PolicyJson {
  uuid: string;
  tagPattern: string;
  tagPatternMatches: boolean;
  active: boolean;
  scope: "namespace" | "repository";
  namespace: string;
  repository: string | null;
}

/** The collection URL of a scope; repository names keep their slashes (see src/api/immutability-paths.ts). */
export function policiesPath(scope: Scope): string {
  const encoded = (s: string) => s.split("/").map(encodeURIComponent).join("/");
  return scope.repository === null ? `/organization/${encoded(scope.namespace)}/immutabilitypolicy/` : `/repository/${encoded(scope.repository)}/immutabilitypolicy/`;
}

export async function allPolicies(client: AdminClient): Promise<PolicyJson[]> {
  return (await client.call<{ policies: PolicyJson[] }>("GET", "/immutabilitypolicy/")).body.policies;
}

/** Finds a policy by uuid alone: the scoped URLs need its scope. */
export async function findPolicy(client: AdminClient, uuid: string): Promise<PolicyJson> {
  const found = (await allPolicies(client)).find((p) => p.uuid === uuid);
  if (!found) throw new ServerRefused(404, `no immutability policy ${uuid}`);
  return found;
}
