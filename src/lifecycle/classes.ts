// The store's bytes by class (pinned, evictable) for the /metrics gauges, in
// the background: the same figures as `du`'s store totals (report.ts), read in
// pages with a yield between them. One read of all the metadata at once is a
// turn of 300 ms and more on 10,000 images and 100,000 blobs (bench/README.md),
// too long for a refresh that runs while clients pull. Writes between pages may
// make one pass a little off (an image evicted after its blobs were read); the
// next pass corrects it, and `du` stays exact.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { one } from "../db/queries/lifecycle.ts";
import { walkImage } from "./image-walk.ts";
import type { Pins } from "./pins.ts";

/** Rows per page: a few milliseconds of reading each. */
const BLOB_PAGE = 5_000;
const MANIFEST_PAGE = 500;

export async function storeClasses(db: Db, pins: Pins, nextTurn: () => Promise<unknown>): Promise<{ pinned: number; evictable: number }> {
  const sizes = new Map<string, number>();
  for (let after = ""; ; ) {
    const page = db.all<{ digest: string; size: number }>(sql`select digest, size from blobs where digest > ${after} order by digest limit ${BLOB_PAGE}`);
    for (const r of page) sizes.set(r.digest, r.size);
    if (page.length < BLOB_PAGE) break;
    after = page[page.length - 1]!.digest;
    await nextTurn();
  }
  await nextTurn();
  const names = new Map(db.all<{ id: number; name: string }>(sql`select id, name from repositories`).map((r) => [r.id, r.name]));
  const maxId = one<{ id: number | null }>(db, sql`select max(id) as id from manifests`)?.id ?? 0;
  // Per manifest: repository, digest, blob refs, child manifest digests.
  const manifests = new Map<number, { repo: number; digest: string; blobs: string[]; children: string[] }>();
  const byRepoDigest = new Map<string, number>();
  const childKeys = new Set<string>();
  for (let lo = 0; lo < maxId; lo += MANIFEST_PAGE) {
    await nextTurn();
    for (const m of db.all<{ id: number; repo: number; digest: string }>(sql`select id, repository_id as repo, digest from manifests where id > ${lo} and id <= ${lo + MANIFEST_PAGE}`)) {
      manifests.set(m.id, { repo: m.repo, digest: m.digest, blobs: [], children: [] });
      byRepoDigest.set(`${m.repo}@${m.digest}`, m.id);
    }
    for (const r of db.all<{ id: number; kind: string; digest: string }>(sql`select manifest_id as id, kind, digest from manifest_refs where manifest_id > ${lo} and manifest_id <= ${lo + MANIFEST_PAGE}`)) {
      const m = manifests.get(r.id);
      if (!m) continue;
      if (r.kind === "blob") m.blobs.push(r.digest);
      else {
        m.children.push(r.digest);
        childKeys.add(`${m.repo}@${r.digest}`);
      }
    }
  }
  await nextTurn();
  // Each image (a manifest no index of its repository names) with its index children (image-walk.ts, as du).
  const pinnedAll = new Set<string>();
  const evictableAll = new Set<string>();
  let walked = 0;
  for (const [rootId, root] of manifests) {
    if (childKeys.has(`${root.repo}@${root.digest}`)) continue;
    const image = walkImage(rootId, pins, {
      blobs: (id) => manifests.get(id)?.blobs ?? [],
      children: (id) => (manifests.get(id)?.children ?? []).flatMap((c) => byRepoDigest.get(`${root.repo}@${c}`) ?? []),
    }, (d) => sizes.has(d));
    const pinned = image.pinned || !pins.isCached(names.get(root.repo) ?? "");
    for (const b of image.blobs) (pinned ? pinnedAll : evictableAll).add(b);
    if (++walked % 2_000 === 0) await nextTurn();
  }
  let pinnedBytes = 0;
  let evictableBytes = 0;
  for (const d of pinnedAll) pinnedBytes += sizes.get(d) ?? 0;
  for (const d of evictableAll) if (!pinnedAll.has(d)) evictableBytes += sizes.get(d) ?? 0;
  return { pinned: pinnedBytes, evictable: evictableBytes };
}
