// How the policy commands print: a table for people, one line per change.
import type { PolicyJson } from "./policy-client.ts";

export function describePolicy(p: Pick<PolicyJson, "tagPattern" | "tagPatternMatches" | "namespace" | "repository">): string {
  const which = `tags ${p.tagPatternMatches ? "matching" : "not matching"} "${p.tagPattern}"`;
  return `${which} in ${p.repository === null ? `namespace ${p.namespace}` : `repository ${p.repository}`} are immutable`;
}

export function printPolicies(policies: PolicyJson[], out: (line: string) => void): void {
  if (policies.length === 0) {
    out("no immutability policies");
    return;
  }
  const rows = [["UUID", "ACTIVE", "SCOPE", "TARGET", "MATCHING", "PATTERN"]];
  for (const p of policies) rows.push([p.uuid, p.active ? "yes" : "no", p.scope, p.repository ?? p.namespace, p.tagPatternMatches ? "matching" : "not matching", p.tagPattern]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) out(r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  "));
}

export interface DryRunJson {
  wouldProtect: number;
  newlyProtected: number;
  tags: { repository: string; tag: string }[];
  truncated: boolean;
  duplicateOf?: string;
}

/** The count, then up to 20 tags, then how many more. */
export function printDryRun(d: DryRunJson, out: (line: string) => void): void {
  out(`dry run: would protect ${d.wouldProtect} existing tag(s), ${d.newlyProtected} of them not immutable yet`);
  for (const t of d.tags.slice(0, 20)) out(`  ${t.repository}:${t.tag}`);
  if (d.wouldProtect > 20) out(`  … and ${d.wouldProtect - 20} more`);
  if (d.duplicateOf) out(`note: policy ${d.duplicateOf} has this rule already; a create would be refused as a duplicate`);
}
