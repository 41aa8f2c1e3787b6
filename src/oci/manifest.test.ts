import { describe, expect, test } from "vitest";
import { digestOf } from "./digest.ts";
import { InvalidManifest, parseManifest } from "./manifest.ts";
import { OCI_INDEX, OCI_MANIFEST } from "./media-types.ts";

const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
const desc = (s: string, mediaType = "application/octet-stream") => ({ mediaType, digest: digestOf(s), size: s.length });

describe("parseManifest", () => {
  test("an image manifest lists config and layers as blobs", () => {
    const m = parseManifest(enc({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: desc("c"), layers: [desc("l1"), desc("l2")] }));
    expect(m.blobs.map((b) => b.digest)).toEqual([digestOf("c"), digestOf("l1"), digestOf("l2")]);
    expect(m.manifests).toEqual([]);
  });
  test("an index lists child manifests", () => {
    const m = parseManifest(enc({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [desc("m", OCI_MANIFEST)] }));
    expect(m.manifests).toHaveLength(1);
  });
  test("subject and artifactType are kept", () => {
    const m = parseManifest(enc({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: "application/x-sbom", config: desc("c"), layers: [], subject: desc("s", OCI_MANIFEST) }));
    expect(m.subject?.digest).toBe(digestOf("s"));
    expect(m.artifactType).toBe("application/x-sbom");
  });
  test.each([
    ["not json", new TextEncoder().encode("{")],
    ["schemaVersion 1", enc({ schemaVersion: 1 })],
    ["bad digest", enc({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: "x", digest: "sha256:zz", size: 1 }, layers: [] })],
    ["negative size", enc({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...desc("c"), size: -1 }, layers: [] })],
    ["index without manifests", enc({ schemaVersion: 2, mediaType: OCI_INDEX })],
    ["unknown type", enc({ schemaVersion: 2, mediaType: "text/plain" })],
  ])("rejects %s", (_, bytes) => expect(() => parseManifest(bytes)).toThrow(InvalidManifest));
  test("declared type must match Content-Type", () => {
    expect(() => parseManifest(enc({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }), OCI_MANIFEST)).toThrow(/does not match/);
  });
});
