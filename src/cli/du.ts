// `regcache du [--json]`: what the running server's store holds, by upstream
// and repository, pinned (never evicted) vs evictable, the free space and the
// quota. Human-readable by default; --json prints the admin API's answer.
import { loadConfig } from "../config/load.ts";
import type { UsageReport } from "../lifecycle/report.ts";
import { adminClientFor, ServerRefused, ServerUnreachable } from "./admin-client.ts";
import { parse, UsageError } from "./args.ts";
import { formatBytes } from "./bytes.ts";
import type { CliIo } from "./io.ts";

export const DU_USAGE = `du [--server URL] [--json]       disk usage of the running regcache: by upstream and repository,
                                 pinned vs evictable, free space, quota`;

export function renderUsage(r: UsageReport): string {
  const lines: string[] = [];
  const b = formatBytes;
  const quota = r.quota.max_size_bytes > 0 ? `${b(r.quota.max_size_bytes)} (evicts down to ${b(r.quota.low_water_bytes)})` : "none";
  lines.push(`store      ${b(r.store.used_bytes)} used, quota ${quota}`);
  lines.push(`           ${b(r.store.pinned_bytes)} pinned, ${b(r.store.evictable_bytes)} evictable, ${b(r.store.unreferenced_bytes)} unreferenced (gc)`);
  if (r.store.in_use > 0) lines.push(`           ${r.store.in_use} digest(s) in use now (downloads, uploads, clients): not evictable`);
  lines.push(`           ${r.store.blobs} blobs (${b(r.store.blob_bytes)}), ${r.store.manifests} manifests (${b(r.store.manifest_bytes)})`);
  lines.push(`filesystem ${b(r.filesystem.free_bytes)} free of ${b(r.filesystem.size_bytes)}, keeps ${b(r.quota.min_free_bytes)} free (min_free)`);
  const row = (name: string, bytes: number, pinned: number, evictable: number, extra = "") =>
    `  ${name.padEnd(48)} ${b(bytes).padStart(10)} ${b(pinned).padStart(10)} ${b(evictable).padStart(10)}${extra}`;
  lines.push("", `  ${"".padEnd(48)} ${"bytes".padStart(10)} ${"pinned".padStart(10)} ${"evictable".padStart(10)}  last pulled`);
  for (const u of r.upstreams) {
    lines.push(row(`${u.name} (upstream)`, u.bytes, u.pinned_bytes, u.evictable_bytes));
    for (const repo of u.repositories) lines.push(row(`  ${repo.name}`, repo.bytes, repo.pinned_bytes, repo.evictable_bytes, `  ${repo.last_pulled_at ?? "never"}`));
  }
  if (r.local.repositories.length > 0) {
    lines.push(row("local repositories", r.local.bytes, r.local.bytes, 0));
    for (const repo of r.local.repositories) lines.push(row(`  ${repo.name}`, repo.bytes, repo.pinned_bytes, 0, `  ${repo.last_pulled_at ?? "never"}`));
  }
  return lines.join("\n") + "\n";
}

export async function duCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { config: { type: "string" }, server: { type: "string" }, json: { type: "boolean" } }, true);
  if (positionals.length > 0) throw new UsageError(`du: unexpected argument ${JSON.stringify(positionals[0])}`);
  const client = adminClientFor(values.server, io.env, () => loadConfig(values.config, io.env).config);
  try {
    const { body } = await client.call<UsageReport>("GET", "/storage");
    io.stdout.write(values.json ? `${JSON.stringify(body, null, 2)}\n` : renderUsage(body));
    return 0;
  } catch (e) {
    if (e instanceof ServerUnreachable || e instanceof ServerRefused) {
      io.stderr.write(`regcache: du: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
