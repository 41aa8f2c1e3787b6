// quarantine() moves only the file that was hashed: a file renamed into blobs/ after the
// hash (a fresh, verified download of the same digest) stays where it is.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { sha256 } from "../../test/helpers/fake-upstream-client.ts";
import { BlobStore } from "../blobstore/store.ts";
import { quarantine } from "./quarantine.ts";

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

const note = (digest: string) => ({ digest, size: 5, problem: "corrupt" as const, owner: "cached" as const, users: [], more_users: 0, found: { digest: "sha256:00", size: 5 } });

async function storeWith(bytes: Uint8Array, digest: string) {
  root = mkdtempSync(join(tmpdir(), "regcache-quarantine-"));
  const store = new BlobStore(root);
  await store.init();
  // Bad bytes under the digest's name, as rot or a person's edit would leave them.
  mkdirSync(join(store.path(digest), ".."), { recursive: true });
  writeFileSync(store.path(digest), bytes);
  return store;
}

describe("quarantine", () => {
  test("moves the hashed file and writes its note", async () => {
    const good = new TextEncoder().encode("hello");
    const digest = sha256(good);
    const store = await storeWith(new TextEncoder().encode("jello"), digest);
    const st = statSync(store.path(digest));
    const moved = await quarantine(store.paths, digest, { dev: st.dev, ino: st.ino }, note(digest), new Date("2026-01-02T03:04:05.678Z"));
    expect(moved).toBe(`quarantine/2026-01-02T03-04-05-678Z-sha256-${digest.slice(7)}`);
    expect(existsSync(store.path(digest))).toBe(false);
    expect(readFileSync(join(root, moved!), "utf8")).toBe("jello");
    expect(JSON.parse(readFileSync(join(root, `${moved}.json`), "utf8"))).toMatchObject({ digest, problem: "corrupt", quarantined: "2026-01-02T03:04:05.678Z" });
  });

  test("leaves a file that replaced the hashed one (a new inode) in place", async () => {
    const good = new TextEncoder().encode("hello");
    const digest = sha256(good);
    const store = await storeWith(new TextEncoder().encode("jello"), digest);
    const hashed = statSync(store.path(digest));
    // A download renames the verified bytes into place after the scrub hashed the bad ones.
    writeFileSync(join(store.paths.tmp, "fresh"), good);
    renameSync(join(store.paths.tmp, "fresh"), store.path(digest));
    const moved = await quarantine(store.paths, digest, { dev: hashed.dev, ino: hashed.ino }, note(digest), new Date());
    expect(moved).toBeUndefined();
    expect(readFileSync(store.path(digest), "utf8")).toBe("hello");
    expect(existsSync(store.paths.quarantine)).toBe(false);
  });
});
