// `regcache policy list|create|activate|deactivate|delete`: immutability
// policies of the running server, through its admin API. Exit codes: 0 ok,
// 1 the server refused or cannot be reached (one line saying why), 2 usage.
import { randomUUID } from "node:crypto";
import { loadConfig } from "../config/load.ts";
import { namespaceOf } from "../oci/names.ts";
import type { Scope } from "../policy/index.ts";
import { parse, UsageError } from "./args.ts";
import type { CliIo } from "./io.ts";
import { type AdminClient, adminClientFor, ServerRefused, ServerUnreachable } from "./admin-client.ts";
import { allPolicies, findPolicy, policiesPath, type PolicyJson } from "./policy-client.ts";
import { printDryRun, printPolicies, describePolicy } from "./policy-view.ts";

export const POLICY_USAGE = `policy list [--namespace NS | --repository REPO] [--json]
  policy create (--namespace NS | --repository REPO) --pattern RE [--not-matching] [--inactive] [--dry-run]
  policy activate|deactivate|delete UUID
                                 immutability policies of the running server (docs/policy.md);
                                 every policy command takes --server URL and --config PATH`;

const OPTIONS = {
  config: { type: "string" },
  server: { type: "string" },
  namespace: { type: "string" },
  repository: { type: "string" },
  pattern: { type: "string" },
  "not-matching": { type: "boolean" },
  inactive: { type: "boolean" },
  "dry-run": { type: "boolean" },
  json: { type: "boolean" },
} as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function scopeOf(values: { namespace?: string; repository?: string }, required: boolean): Scope | undefined {
  if (values.namespace !== undefined && values.repository !== undefined) throw new UsageError("give --namespace or --repository, not both");
  if (values.repository !== undefined) return { namespace: namespaceOf(values.repository), repository: values.repository };
  if (values.namespace !== undefined) return { namespace: values.namespace, repository: null };
  if (required) throw new UsageError("name the scope: --namespace NS or --repository REPO");
  return undefined;
}

export async function policyCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parse(rest, OPTIONS, true);
  const client = adminClientFor(values.server, io.env, () => loadConfig(values.config, io.env).config, io.platform);
  const out = (line: string) => void io.stdout.write(`${line}\n`);
  const uuidArg = () => {
    if (positionals.length !== 1) throw new UsageError(`policy ${sub}: give the policy's UUID (see \`regcache policy list\`)`);
    return positionals[0]!;
  };
  try {
    switch (sub) {
      case "list": {
        const scope = scopeOf(values, false);
        const policies = scope ? (await client.call<{ policies: PolicyJson[] }>("GET", policiesPath(scope))).body.policies : await allPolicies(client);
        if (values.json) out(JSON.stringify(policies, null, 2));
        else printPolicies(policies, out);
        return 0;
      }
      case "create":
        return await create(client, values, out);
      case "activate":
      case "deactivate": {
        const policy = await findPolicy(client, uuidArg());
        const { body } = await client.call<PolicyJson>("PUT", `${policiesPath(policy)}${policy.uuid}`, { active: sub === "activate" });
        out(`policy ${body.uuid} is ${body.active ? "active" : "inactive"}: ${describePolicy(body)}`);
        return 0;
      }
      case "delete": {
        const policy = await findPolicy(client, uuidArg());
        await client.call("DELETE", `${policiesPath(policy)}${policy.uuid}`);
        out(`deleted policy ${policy.uuid}: ${describePolicy(policy)}`);
        return 0;
      }
      default:
        throw new UsageError(sub === undefined ? "policy: missing sub-command (list, create, activate, deactivate, delete)" : `policy: unknown sub-command ${JSON.stringify(sub)}`);
    }
  } catch (e) {
    if (e instanceof ServerRefused || e instanceof ServerUnreachable) {
      io.stderr.write(`regcache: policy ${sub}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

type Values = { namespace?: string; repository?: string; pattern?: string; "not-matching"?: boolean; inactive?: boolean; "dry-run"?: boolean; json?: boolean };

async function create(client: AdminClient, values: Values, out: (line: string) => void): Promise<number> {
  const scope = scopeOf(values, true)!;
  if (values.pattern === undefined) throw new UsageError("policy create: --pattern RE is required");
  const body = { tagPattern: values.pattern, tagPatternMatches: !values["not-matching"], active: !values.inactive };
  if (values["dry-run"]) {
    const { body: result } = await client.call<Parameters<typeof printDryRun>[0]>("POST", `${policiesPath(scope)}?dryRun=true`, body);
    if (values.json) out(JSON.stringify(result, null, 2));
    else printDryRun(result, out);
    return 0;
  }
  // The uuid is chosen here, so that a retry after a lost answer (a timeout, a
  // server restart) finds the policy the first attempt stored instead of a duplicate.
  const withUuid = { ...body, uuid: randomUUID() };
  for (let attempt = 1; ; attempt++) {
    try {
      const { status, body: policy } = await client.call<PolicyJson>("POST", policiesPath(scope), withUuid);
      if (values.json) out(JSON.stringify(policy, null, 2));
      else out(`${status === 201 ? "created" : "already stored (retried)"} policy ${policy.uuid} (${policy.active ? "active" : "inactive"}): ${describePolicy(policy)}`);
      return 0;
    } catch (e) {
      if (!(e instanceof ServerUnreachable) || attempt === 3) throw e;
      await sleep(500 * attempt);
    }
  }
}
