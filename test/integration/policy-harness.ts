// The in-process app with the policy engine as its guard and the admin API
// mounted the way `regcache serve` mounts it, plus the pushes and SQL seeding
// the policy tests need. Log lines are kept for assertions.
import { sql } from "drizzle-orm";
import { createHash } from "node:crypto";
import { createAdminApi } from "../../src/api/app.ts";
import { immutabilityRoutes } from "../../src/api/immutability.ts";
import type { TagGuard } from "../../src/repository/guard.ts";
import { createImmutability, type Immutability } from "../../src/policy/index.ts";
import type { Logger } from "../../src/telemetry/log.ts";
import { Metrics } from "../../src/telemetry/metrics.ts";
import { createHarness, type Harness } from "./harness.ts";

export interface LogRecord {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface PolicyHarness extends Harness {
  im: Immutability;
  logs: LogRecord[];
  /** A request to /api/v1{path} through the registry app. */
  admin(path: string, init?: RequestInit): Promise<Response>;
  /** JSON request helper: method, path, body. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

export async function createPolicyHarness(options: { upstreams?: string[] } = {}): Promise<PolicyHarness> {
  const logs: LogRecord[] = [];
  const record = (level: string) => (msg: string, fields?: Record<string, unknown>) => void logs.push({ level, msg, ...fields });
  const log: Logger = { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") };
  // The harness opens the database, the engine needs it: the guard forwards once both exist.
  let im: Immutability | undefined;
  const guard: TagGuard = {
    decide: (...a) => im!.guard.decide(...a),
    checkRetag: (...a) => im!.guard.checkRetag(...a),
    checkDelete: (...a) => im!.guard.checkDelete(...a),
  };
  let adminFetch: (r: Request) => Response | Promise<Response> = () => new Response(null, { status: 503 });
  const h = await createHarness({ guard, deps: { extraRoutes: [{ prefix: "/api/v1", fetch: (r) => adminFetch(r) }], log } });
  im = createImmutability({ db: h.registry.db, log, upstreams: options.upstreams ?? [] });
  adminFetch = createAdminApi({ registry: h.registry, log, metrics: new Metrics() }, [immutabilityRoutes(im)]).fetch;
  const admin = (path: string, init?: RequestInit) => h.request(`/api/v1${path}`, init);
  return {
    ...h,
    im,
    logs,
    admin,
    async call(method, path, body) {
      const r = await admin(path, { method, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const encode = (s: string) => new TextEncoder().encode(s);

async function uploadBlob(h: Harness, repo: string, content: Uint8Array): Promise<{ digest: string; size: number }> {
  const digest = sha256(content);
  const r = await h.request(`/v2/${repo}/blobs/uploads/?digest=${digest}`, { method: "POST", headers: { "content-type": "application/octet-stream" }, body: content as BodyInit });
  if (r.status !== 201) throw new Error(`blob upload to ${repo}: ${r.status} ${await r.text()}`);
  return { digest, size: content.byteLength };
}

/** A manifest document, different for each `variant`, whose blobs are in `repo`. */
export async function makeManifest(h: Harness, repo: string, variant: string): Promise<{ digest: string; bytes: Uint8Array }> {
  const config = await uploadBlob(h, repo, encode(JSON.stringify({ architecture: "amd64", os: "linux" })));
  const layer = await uploadBlob(h, repo, encode(`layer ${repo}`));
  const doc = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layer }],
    annotations: { variant },
  };
  const bytes = encode(JSON.stringify(doc));
  return { digest: sha256(bytes), bytes };
}

export function putTag(h: Harness, repo: string, tag: string, m: { bytes: Uint8Array }): Promise<Response> {
  return h.request(`/v2/${repo}/manifests/${tag}`, { method: "PUT", headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" }, body: m.bytes as BodyInit });
}

/** Adds `count` tags named prefix00000… to `repo`, all pointing at `digest`, in one statement. */
export function seedTags(h: Harness, repo: string, digest: string, count: number, prefix = "t"): void {
  const width = String(count - 1).length;
  h.registry.db.run(sql`
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${count - 1})
    INSERT INTO tags (repository_id, name, manifest_id, updated_at, confirmed_at, immutable)
    SELECT r.id, ${prefix} || printf('%0${sql.raw(String(width))}d', i), m.id, 0, NULL, 0
    FROM n, repositories r JOIN manifests m ON m.repository_id = r.id AND m.digest = ${digest}
    WHERE r.name = ${repo}`);
}
