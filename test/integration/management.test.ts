// Content management: deleting tags, manifests and blobs, and what stays
// visible afterwards (distribution-spec "Content Management" category).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TagImmutable } from "../../src/repository/errors.ts";
import { createHarness, type Harness } from "./harness.ts";
import { expectError, imageManifest, listTags, pushImage, pushManifest } from "./helpers.ts";

const NAME = "conformance/management";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const del = (path: string) => h.request(path, { method: "DELETE" });
const catalog = async () => ((await (await h.request("/v2/_catalog")).json()) as { repositories: string[] }).repositories;

describe("manifests", () => {
  test("DELETE by tag: 202, the tag is gone, the manifest stays by digest", async () => {
    const { manifest } = await pushImage(h, NAME, "tagtest0", 1);
    await pushManifest(h, NAME, "keep", manifest);
    const before = (await listTags(h, NAME)).tags.length;

    expect((await del(`/v2/${NAME}/manifests/tagtest0`)).status).toBe(202);
    expect((await listTags(h, NAME)).tags).toHaveLength(before - 1);
    await expectError(await h.request(`/v2/${NAME}/manifests/tagtest0`), 404, "MANIFEST_UNKNOWN");
    expect((await h.request(`/v2/${NAME}/manifests/${manifest.digest}`)).status).toBe(200);
    expect((await h.request(`/v2/${NAME}/manifests/keep`)).status).toBe(200);
  });

  test("DELETE by digest: 202, the manifest and every tag on it are gone", async () => {
    const { manifest } = await pushImage(h, NAME, "doomed", 2);
    await pushManifest(h, NAME, "doomed-too", manifest);
    expect((await del(`/v2/${NAME}/manifests/${manifest.digest}`)).status).toBe(202);
    await expectError(await h.request(`/v2/${NAME}/manifests/${manifest.digest}`), 404, "MANIFEST_UNKNOWN");
    expect((await listTags(h, NAME)).tags).not.toContain("doomed");
    expect((await listTags(h, NAME)).tags).not.toContain("doomed-too");
  });

  test("deleting again, or something never pushed: 404 MANIFEST_UNKNOWN", async () => {
    const { manifest } = await pushImage(h, NAME, "twice", 3);
    expect((await del(`/v2/${NAME}/manifests/${manifest.digest}`)).status).toBe(202);
    await expectError(await del(`/v2/${NAME}/manifests/${manifest.digest}`), 404, "MANIFEST_UNKNOWN");
    await expectError(await del(`/v2/${NAME}/manifests/never-pushed`), 404, "MANIFEST_UNKNOWN");
    await expectError(await del(`/v2/${NAME}/manifests/.INVALID_MANIFEST_NAME`), 404, "MANIFEST_UNKNOWN");
  });

  test("DELETE in a repository that does not exist: 404 NAME_UNKNOWN", async () => {
    await expectError(await del("/v2/conformance/none/manifests/latest"), 404, "NAME_UNKNOWN");
  });

  test("deleting a repository's last manifest takes it out of the catalog", async () => {
    const { manifest } = await pushImage(h, "conformance/short-lived", "v1", 4);
    expect(await catalog()).toContain("conformance/short-lived");
    expect((await del(`/v2/conformance/short-lived/manifests/${manifest.digest}`)).status).toBe(202);
    expect(await catalog()).not.toContain("conformance/short-lived");
  });
});

describe("blobs", () => {
  test("DELETE: 202, then GET is 404 BLOB_UNKNOWN, and a second DELETE is 404", async () => {
    const { config, layers } = await pushImage(h, NAME, "blobs", 5);
    for (const blob of [config, layers[0]!]) {
      expect((await del(`/v2/${NAME}/blobs/${blob.digest}`)).status).toBe(202);
      await expectError(await h.request(`/v2/${NAME}/blobs/${blob.digest}`), 404, "BLOB_UNKNOWN");
      await expectError(await del(`/v2/${NAME}/blobs/${blob.digest}`), 404, "BLOB_UNKNOWN");
    }
  });

  test("a blob deleted from one repository is still served by another that mounted it", async () => {
    const { layers } = await pushImage(h, NAME, "shared", 6);
    const digest = layers[0]!.digest;
    expect((await h.request(`/v2/conformance/mirror/blobs/uploads/?mount=${digest}&from=${NAME}`, { method: "POST" })).status).toBe(201);
    expect((await del(`/v2/${NAME}/blobs/${digest}`)).status).toBe(202);
    expect((await h.request(`/v2/conformance/mirror/blobs/${digest}`)).status).toBe(200);
  });
});

describe("tag immutability", () => {
  test("a guard that refuses: 409 DENIED, and the tag and manifest stay", async () => {
    const guarded = await createHarness({
      guard: {
        decide: (_repo, tag) => (tag === "stable" ? { immutable: true, policy: "manual" } : { immutable: false }),
        checkRetag: (_repo, tag, current) => {
          if (tag === "stable" && current) throw new TagImmutable("tag stable is immutable", "manual");
        },
        checkDelete: (_repo, tag) => {
          if (tag === "stable") throw new TagImmutable("tag stable is immutable", "manual");
        },
      },
    });
    try {
      const { manifest, config } = await pushImage(guarded, NAME, "stable", 7);
      await expectError(await guarded.request(`/v2/${NAME}/manifests/stable`, { method: "DELETE" }), 409, "DENIED");
      await expectError(await guarded.request(`/v2/${NAME}/manifests/${manifest.digest}`, { method: "DELETE" }), 409, "DENIED");
      const other = imageManifest(config, []);
      const retag = await guarded.request(`/v2/${NAME}/manifests/stable`, { method: "PUT", headers: { "Content-Type": other.mediaType }, body: other.content });
      await expectError(retag, 409, "DENIED");
      const head = await guarded.request(`/v2/${NAME}/manifests/stable`, { method: "HEAD" });
      expect(head.headers.get("docker-content-digest")).toBe(manifest.digest);
      // The refused PUT stored nothing: the other manifest is not there by digest either.
      expect((await guarded.request(`/v2/${NAME}/manifests/${other.digest}`)).status).toBe(404);
    } finally {
      guarded.close();
    }
  });
});
