// Issue 11, item 3: garbage collection (every 2 s, grace 15 s) while 10 clients push
// and pull in a loop for 30 s: no client fails, no referenced blob is deleted (every
// manifest's blobs are present afterwards), and what became unreferenced (deleted
// manifests, blobs never referenced) is gone once the grace period has passed.
import { Database } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { pullToLayout, pushLayout } from "../../helpers/clients.ts";
import { makeImage, writeOciLayout } from "../../helpers/oci-image.ts";
import { runCommand } from "../../helpers/processes.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { pushBlob, sha256 } from "../oci-http.ts";
import { regcacheCommand, startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { prefetchToml, seed, upstreamToml, waitFor } from "../prefetch/setup.ts";

const RUN_MS = 30_000;
// The grace covers a push's gap between its blob uploads and its manifest PUT, as the 1h
// default does for real clients. 5 s was too short on a saturated machine (two CPU burners
// and disk pressure beside the suite): every pusher's manifest met MANIFEST_BLOB_UNKNOWN,
// because GC rightly took blobs unreferenced for longer than that.
const GRACE_MS = 15_000;

describe("GC under load", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let regcache: RegcacheProcess;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    await seed(upstream, work.path, "team/a", { "1": makeImage({ layers: 2, layerSize: 64 * 1024 }) });
    await seed(upstream, work.path, "team/b", { "1": makeImage({ layers: 2, layerSize: 64 * 1024 }) });
    regcache = await startRegcache({ extraToml: `gc_grace = "${GRACE_MS / 1000}s"\ngc_schedule = "*/2 * * * * *"\n` + prefetchToml({ complete_on_pull: false }) + upstreamToml("up", upstream.url) });
  }, 60_000);

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  const failures: string[] = [];
  /** Digests that nothing references any more once the run is over. */
  const garbage = new Set<string>();
  const deadline = () => Date.now() + RUN_MS;

  /** Pushes a manifest over a config and two fresh layers, pulls it back byte for byte, and next time deletes it. */
  async function httpPusher(id: number, until: number): Promise<void> {
    const repo = `load/c${id}`;
    let previous: { digest: string; blobs: string[] } | undefined;
    for (let n = 0; Date.now() < until; n++) {
      try {
        const blobs = [new TextEncoder().encode(JSON.stringify({ architecture: "amd64", os: "linux", n, id, r: Math.random() })), new Uint8Array(randomBytes(16 * 1024)), new Uint8Array(randomBytes(16 * 1024))];
        const digests: string[] = [];
        for (const b of blobs) digests.push(await pushBlob(regcache.url, repo, b));
        const doc = {
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: digests[0], size: blobs[0]!.byteLength },
          layers: digests.slice(1).map((d, i) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: d, size: blobs[i + 1]!.byteLength })),
        };
        const bytes = new TextEncoder().encode(JSON.stringify(doc));
        const put = await fetch(`${regcache.url}/v2/${repo}/manifests/t${n}`, { method: "PUT", headers: { "content-type": doc.mediaType }, body: bytes });
        if (put.status !== 201) throw new Error(`PUT manifest: ${put.status} ${await put.text()}`);
        for (const [i, d] of digests.entries()) {
          const r = await fetch(`${regcache.url}/v2/${repo}/blobs/${d}`);
          const got = new Uint8Array(await r.arrayBuffer());
          if (r.status !== 200 || sha256(got) !== d) throw new Error(`GET blob ${i} of t${n}: ${r.status}`);
        }
        // A blob nobody will reference, and the previous image deleted: garbage for the GC.
        garbage.add(await pushBlob(regcache.url, repo, new Uint8Array(randomBytes(8 * 1024))));
        if (previous) {
          const del = await fetch(`${regcache.url}/v2/${repo}/manifests/${previous.digest}`, { method: "DELETE" });
          if (del.status !== 202) throw new Error(`DELETE manifest: ${del.status}`);
          for (const b of previous.blobs) garbage.add(b);
        }
        previous = { digest: sha256(bytes), blobs: digests };
      } catch (e) {
        failures.push(`pusher ${id}: ${(e as Error).message}`);
      }
    }
  }

  async function skopeoPuller(id: number, until: number): Promise<void> {
    for (let n = 0; Date.now() < until; n++) {
      const dir = join(work.path, `pull-${id}-${n}`);
      try {
        await pullToLayout(`${regcache.host}/up/team/${n % 2 ? "a" : "b"}:1`, dir, "1");
      } catch (e) {
        failures.push(`puller ${id}: ${(e as Error).message.split("\n").slice(0, 2).join(" ")}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }

  async function skopeoPusher(until: number): Promise<void> {
    const layout = join(work.path, "skopeo-layout");
    await writeOciLayout(layout, { "1": makeImage({ layers: 1, layerSize: 32 * 1024 }) });
    for (let n = 0; Date.now() < until; n++) {
      try {
        await pushLayout(layout, "1", `${regcache.host}/load/skopeo:${n % 3}`);
      } catch (e) {
        failures.push(`skopeo pusher: ${(e as Error).message.split("\n").slice(0, 2).join(" ")}`);
      }
    }
  }

  test(`10 clients for ${RUN_MS / 1000} s while GC runs every 2 s: none fails, nothing referenced goes, the garbage does`, async () => {
    const until = deadline();
    await Promise.all([...Array.from({ length: 7 }, (_, i) => httpPusher(i, until)), skopeoPuller(0, until), skopeoPuller(1, until), skopeoPusher(until)]);
    expect(failures).toEqual([]);
    const during = regcache.logs().filter((l) => l.msg === "garbage collected" && l.trigger === "schedule" && Number(l.blobs) > 0);
    expect(during.length, "the scheduled GC collected while clients ran").toBeGreaterThan(2);

    // After the grace period, one more collection (the CLI, through the admin API) takes the rest.
    await new Promise((r) => setTimeout(r, GRACE_MS + 500));
    const [cmd, args] = regcacheCommand("binary", ["gc", "--server", regcache.url]);
    const dry = await runCommand(cmd, [...args, "--dry-run"]);
    expect(dry.stdout).toMatch(/gc dry run done: would free .* in \d+ unreferenced blob\(s\)/);
    const cli = await runCommand(cmd, args);
    expect(cli.stdout).toMatch(/gc done: freed .* in \d+ unreferenced blob\(s\)/);

    const db = new Database(join(regcache.storageDir, "regcache.db"), { readonly: true });
    try {
      const referenced = db.query("select distinct mr.digest as digest from manifest_refs mr where mr.kind = 'blob'").all() as { digest: string }[];
      expect(referenced.length).toBeGreaterThan(10);
      const blobPath = (d: string) => join(regcache.storageDir, "blobs", "sha256", d.slice(7, 9), d.slice(7));
      const missing = referenced.filter((r) => !existsSync(blobPath(r.digest)) || !db.query("select 1 from blobs where digest = ?").get(r.digest));
      expect(missing, "every manifest's blobs are present").toEqual([]);
      expect(garbage.size).toBeGreaterThan(50);
      const left = [...garbage].filter((d) => existsSync(blobPath(d)) || db.query("select 1 from blobs where digest = ?").get(d));
      expect(left, "unreferenced blobs are gone after the grace period").toEqual([]);
    } finally {
      db.close();
    }
    await waitFor("gc metrics", async () => /regcache_gc_runs_total\{result="ok",trigger="schedule"\} \d+/.test(await (await fetch(`${regcache.url}/metrics`)).text()), 5_000);
  }, 120_000);
});
