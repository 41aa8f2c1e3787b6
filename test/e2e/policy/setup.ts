// Shared steps of the policy e2e tests: the admin API as JSON, manifests pushed
// over HTTP, the immutable set as the server reports it, and tags seeded
// straight into the SQLite file (100,000 pushes would take minutes, not seconds).
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { pushBlob, sha256 } from "../oci-http.ts";
import type { RegcacheProcess } from "../regcache-process.ts";

export async function api(regcache: RegcacheProcess, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(`${regcache.url}/api/v1${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

export interface PushedManifest {
  digest: string;
  bytes: Uint8Array;
}

/** Uploads a config and a layer to `repo` and returns a manifest over them, distinct per variant. */
export async function makeManifest(regcache: RegcacheProcess, repo: string, variant: string): Promise<PushedManifest> {
  const config = new TextEncoder().encode(JSON.stringify({ architecture: "amd64", os: "linux" }));
  const layer = new TextEncoder().encode(`layer of ${repo}`);
  const [configDigest, layerDigest] = [await pushBlob(regcache.url, repo, config), await pushBlob(regcache.url, repo, layer)];
  const doc = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.byteLength },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: layerDigest, size: layer.byteLength }],
    annotations: { variant },
  };
  const bytes = new TextEncoder().encode(JSON.stringify(doc));
  return { digest: sha256(bytes), bytes };
}

export async function putTag(regcache: RegcacheProcess, repo: string, tag: string, m: PushedManifest): Promise<{ status: number; text: string }> {
  const r = await fetch(`${regcache.url}/v2/${repo}/manifests/${tag}`, {
    method: "PUT",
    headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
    body: m.bytes as BodyInit,
    signal: AbortSignal.timeout(60_000),
  });
  return { status: r.status, text: await r.text() };
}

export async function digestOfTag(regcache: RegcacheProcess, repo: string, tag: string): Promise<string | null> {
  const r = await fetch(`${regcache.url}/v2/${repo}/manifests/${tag}`, { method: "HEAD", headers: { accept: "application/vnd.oci.image.manifest.v1+json" } });
  return r.headers.get("docker-content-digest");
}

/** The immutable tags of `repo`, as the server computes them now, in name order. */
export async function immutableSet(regcache: RegcacheProcess, repo: string): Promise<string[]> {
  const names: string[] = [];
  for (let page = 1; ; page++) {
    const r = await api(regcache, "GET", `/repository/${repo}/tag/?onlyImmutable=true&limit=10000&page=${page}`);
    if (r.status !== 200) throw new Error(`tag listing of ${repo}: ${r.status} ${JSON.stringify(r.body)}`);
    names.push(...r.body.tags.map((t: { name: string }) => t.name));
    if (!r.body.has_additional) return names;
  }
}

export const databasePath = (regcache: RegcacheProcess) => join(regcache.storageDir, "regcache.db");

/** Runs `fn` on the server's database file from this process (WAL lets both work). */
export function withDatabase<T>(regcache: RegcacheProcess, fn: (db: Database) => T, readonly = false): T {
  const db = new Database(databasePath(regcache), readonly ? { readonly: true } : undefined);
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    return fn(db);
  } finally {
    db.close();
  }
}

/** Adds tags prefix00000… to `repo`, all on the manifest `digest` already stored there, in one statement. */
export function seedTags(regcache: RegcacheProcess, repo: string, digest: string, count: number, prefix = "t"): void {
  const width = String(count - 1).length;
  withDatabase(regcache, (db) =>
    db
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO tags (repository_id, name, manifest_id, updated_at, confirmed_at, immutable)
         SELECT r.id, ?2 || printf('%0${width}d', i), m.id, 0, NULL, 0
         FROM n, repositories r JOIN manifests m ON m.repository_id = r.id AND m.digest = ?3
         WHERE r.name = ?4`,
      )
      .run(count - 1, prefix, digest, repo),
  );
}

export const tagName = (i: number, width = 5, prefix = "t") => `${prefix}${String(i).padStart(width, "0")}`;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
