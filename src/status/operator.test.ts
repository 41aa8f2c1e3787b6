// The operator surface over a real database in a temp dir: who may see the status
// page, that nothing a client or the config chose can inject markup or leak a
// secret, completeness from SQLite, and /readyz's checks.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { adminAccess } from "../api/access.ts";
import { parseConfigText } from "../config/load.ts";
import { openDatabase, type Database } from "../db/client.ts";
import { bunPlatform } from "../platform/bun.ts";
import { createOperator } from "./create.ts";

const LOOPBACK = { address: "127.0.0.1" };
const REMOTE = { address: "10.0.0.7" };

let dir: string;
let database: Database;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "regcache-status-"));
  database = openDatabase(bunPlatform.openSqlite(join(dir, "regcache.db")));
});
afterEach(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The byte account the page reads (the disk lifecycle's in a running server). */
let account = { usedBytes: 3_000, freeBytes: 50_000, filesystemBytes: 100_000, maxSizeBytes: 0 };

function operator(serverToml = "", token?: string) {
  const config = parseConfigText(
    `[server]\n${serverToml}\n[storage]\npath = ${JSON.stringify(dir)}\n[[upstream]]\nname = "up"\nurl = "https://user:hunter2@registry.example"\n`,
    "test.toml",
  );
  return createOperator({ config, db: database.db, tmpDir: dir, version: "test", adminGate: adminAccess({ token, trustedProxies: [] }), disk: () => account });
}

const page = (o: ReturnType<typeof operator>, client = LOOPBACK, headers: Record<string, string> = {}, query = "") =>
  // A loopback Host: without a token the admin API's rule also refuses other Hosts (DNS rebinding).
  o.status(new Request(`http://localhost:5000/status${query}`, { headers: { host: "localhost:5000", ...headers } }), client);

describe("status page access", () => {
  it("follows the admin API: loopback only without a token", async () => {
    const o = operator();
    expect((await page(o)).status).toBe(200);
    expect((await page(o, REMOTE)).status).toBe(403);
  });

  it("with the admin token: anyone who sends it, nobody who does not", async () => {
    const o = operator("", "s3cret-token");
    expect((await page(o, REMOTE, { authorization: "Bearer s3cret-token" })).status).toBe(200);
    expect((await page(o, REMOTE)).status).toBe(401);
    expect((await page(o, LOOPBACK)).status).toBe(401);
  });

  it("server.status_public = true opens it to anyone", async () => {
    const o = operator("status_public = true", "s3cret-token");
    expect((await page(o, REMOTE)).status).toBe(200);
  });
});

describe("status page content", () => {
  it("draws the disk bar from the lifecycle's byte account, against storage.max_size when there is one", async () => {
    account = { usedBytes: 3_000, freeBytes: 50_000, filesystemBytes: 100_000, maxSizeBytes: 0 };
    const o = operator();
    expect(await (await page(o)).text()).toContain(`data-used="3000" data-limit="100000"`);
    account = { usedBytes: 4_000, freeBytes: 49_000, filesystemBytes: 100_000, maxSizeBytes: 8_000 };
    expect(await (await page(o)).text()).toContain(`data-used="4000" data-limit="8000"`);
  });

  it("escapes what clients chose, and shows no credential of the config", async () => {
    const o = operator();
    o.onRequest({ time: Date.now(), method: "GET", path: `/v2/up/<img src=x onerror=alert(1)>/manifests/"x"`, status: 503, requestId: "r1", upstreamFailure: "refused" });
    const html = await (await page(o)).text();
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).not.toContain("<img");
    expect(html).toContain("https://registry.example");
    expect(html).not.toContain("hunter2");
    expect(html).not.toContain("user:");
    const json = await (await page(o, LOOPBACK, {}, "?format=json")).text();
    expect(json).not.toContain("hunter2");
  });

  it("counts a request of a cached repository against its upstream, a local one against none", async () => {
    const o = operator();
    o.onRequest({ time: Date.now(), method: "GET", path: "/v2/up/a/manifests/1", status: 200, requestId: "r1", cache: "MISS" });
    o.onRequest({ time: Date.now(), method: "GET", path: "/v2/mine/app/manifests/1", status: 200, requestId: "r2" });
    const s = (await (await page(o, LOOPBACK, {}, "?format=json")).json()) as { upstreams: { name: string; state: string; requests: number }[] };
    expect(s.upstreams).toMatchObject([{ name: "up", state: "up", requests: 1 }]);
  });

  it("an image with a missing layer and a missing index child is incomplete, with the bytes it has", async () => {
    const d = (c: string) => `sha256:${c.repeat(64)}`;
    database.client.exec(`
      INSERT INTO repositories (id, name) VALUES (1, 'up/app');
      INSERT INTO manifests (id, repository_id, digest, media_type, content, size, created_at) VALUES
        (1, 1, '${d("1")}', 'application/vnd.oci.image.index.v1+json', X'7B7D', 2, 1),
        (2, 1, '${d("2")}', 'application/vnd.oci.image.manifest.v1+json', X'7B7D', 2, 1);
      INSERT INTO manifest_refs (manifest_id, kind, digest, size, media_type, platform) VALUES
        (1, 'manifest', '${d("2")}', 2, 'application/vnd.oci.image.manifest.v1+json', 'linux/amd64'),
        (1, 'manifest', '${d("3")}', 2, 'application/vnd.oci.image.manifest.v1+json', 'linux/arm64'),
        (2, 'blob', '${d("a")}', 100, 'application/vnd.oci.image.config.v1+json', NULL),
        (2, 'blob', '${d("b")}', 300, 'application/vnd.oci.image.layer.v1.tar+gzip', NULL);
      INSERT INTO blobs (digest, size, created_at) VALUES ('${d("a")}', 100, 1);
      INSERT INTO tags (repository_id, name, manifest_id, updated_at) VALUES (1, 'v1', 1, 1);
      INSERT INTO prefetch_jobs (upstream, repository, remote_name, kind, digest, state, next_try_at, created_at, updated_at) VALUES
        ('up', 'up/app', 'app', 'blob', '${d("b")}', 'queued', 0, 0, 0),
        ('up', 'up/app', 'app', 'manifest', '${d("3")}', 'failed', 0, 0, 0);
    `);
    const s = (await (await page(operator(), LOOPBACK, {}, "?format=json")).json()) as { images: unknown; queue: unknown };
    const row = { repository: "up/app", tag: "v1", digest: d("1"), totalBytes: 400, storedBytes: 100, missingBlobs: 1, missingChildren: 1 };
    expect(s.images).toMatchObject({ total: 1, complete: 0, rows: [row], incomplete: [row] });
    expect(s.queue).toEqual({ queued: 1, due: 1, failed: 1 });
  });
});

describe("readiness", () => {
  it("is ready with an open database and a writable store, and not once shutting down", async () => {
    const o = operator();
    expect(await o.ready()).toEqual({ ready: true, checks: { database: "ok", store: "ok", shutdown: "ok" } });
    o.readiness.markShuttingDown();
    expect(await o.ready()).toMatchObject({ ready: false, checks: { shutdown: "shutting down" } });
  });

  it("is not ready when the database is closed", async () => {
    const o = operator();
    database.close();
    const report = await o.ready();
    expect(report.ready).toBe(false);
    expect(report.checks.database).toMatch(/^failed: /);
    database = openDatabase(bunPlatform.openSqlite(join(dir, "regcache.db")));
  });
});

describe("mirrors on the status page", () => {
  it("lists each mirror under its upstream, marked while the cache skips it", async () => {
    const config = parseConfigText(
      `[storage]\npath = ${JSON.stringify(dir)}\n[[upstream]]\nname = "up"\nurl = "https://registry.example"\nmirrors = [{ url = "https://hub1.example:5000" }, { url = "https://hub2.example" }]\n`,
      "test.toml",
    );
    const o = createOperator({ config, db: database.db, tmpDir: dir, version: "test", adminGate: adminAccess({ trustedProxies: [] }), mirrorSkipped: (_u, m) => m === "https://hub1.example:5000", disk: () => account });
    const json = (await (await page(o, LOOPBACK, {}, "?format=json")).json()) as { upstreams: { mirrors: unknown }[] };
    expect(json.upstreams[0]!.mirrors).toEqual([
      { origin: "https://hub1.example:5000", skipped: true },
      { origin: "https://hub2.example", skipped: false },
    ]);
    const html = await (await page(o)).text();
    expect(html).toContain('data-skipped="true">mirror https://hub1.example:5000 (skipped after a failure)');
  });
});
