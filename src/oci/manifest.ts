// Parsing of image manifests and indexes (OCI and Docker schema2), reduced to
// what a registry needs: what the manifest references, and what it refers to.
// The bytes themselves are never re-serialised: digests must not change.
import { isDigest } from "./digest.ts";
import { shapeProblem } from "./json-depth.ts";
import { isIndexType, isManifestType, OCI_INDEX, OCI_MANIFEST } from "./media-types.ts";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { architecture?: string; os?: string; variant?: string };
}

export interface ParsedManifest {
  mediaType: string;
  /** Blobs the manifest needs: config and layers (empty for an index). */
  blobs: Descriptor[];
  /** Child manifests (only for an index). */
  manifests: Descriptor[];
  subject?: Descriptor;
  /** artifactType; for an image manifest without one, its config's media type (spec 1.1, referrers). */
  artifactType?: string;
  annotations?: Record<string, string>;
}

export class InvalidManifest extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "InvalidManifest";
  }
}

function descriptor(value: unknown, where: string): Descriptor {
  if (typeof value !== "object" || value === null) throw new InvalidManifest(`${where}: expected a descriptor object`);
  const d = value as Record<string, unknown>;
  if (typeof d.mediaType !== "string" || d.mediaType === "") throw new InvalidManifest(`${where}.mediaType: expected a string`);
  if (typeof d.digest !== "string" || !isDigest(d.digest)) throw new InvalidManifest(`${where}.digest: expected a sha256 or sha512 digest`);
  if (typeof d.size !== "number" || !Number.isSafeInteger(d.size) || d.size < 0) throw new InvalidManifest(`${where}.size: expected a non-negative integer`);
  return d as unknown as Descriptor;
}

function descriptors(value: unknown, where: string): Descriptor[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidManifest(`${where}: expected an array`);
  return value.map((v, i) => descriptor(v, `${where}[${i}]`));
}

/**
 * Parses manifest bytes. `contentType` is the Content-Type the client sent;
 * when the body carries its own mediaType the two must agree.
 */
export function parseManifest(bytes: Uint8Array, contentType?: string): ParsedManifest {
  // Before any object is built: a JSON bomb must cost one linear scan, not a recursion.
  const problem = shapeProblem(bytes);
  if (problem) throw new InvalidManifest(`manifest ${problem}`);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new InvalidManifest("manifest is not valid UTF-8 JSON");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new InvalidManifest("manifest must be a JSON object");
  const m = doc as Record<string, unknown>;
  if (m.schemaVersion !== 2) throw new InvalidManifest("schemaVersion: expected 2");
  if (m.mediaType !== undefined && typeof m.mediaType !== "string") throw new InvalidManifest("mediaType: expected a string");

  const declared = m.mediaType as string | undefined;
  const sent = contentType && contentType !== "" ? contentType : undefined;
  if (declared && sent && declared !== sent && isManifestType(sent)) {
    throw new InvalidManifest(`mediaType ${declared} does not match Content-Type ${sent}`);
  }
  // Without a declared type, the shape decides (OCI allows omitting mediaType).
  const mediaType = declared ?? sent ?? (Array.isArray(m.manifests) ? OCI_INDEX : OCI_MANIFEST);
  if (!isManifestType(mediaType)) throw new InvalidManifest(`unsupported manifest media type ${mediaType}`);

  const subject = m.subject === undefined ? undefined : descriptor(m.subject, "subject");
  const annotations = typeof m.annotations === "object" && m.annotations !== null ? (m.annotations as Record<string, string>) : undefined;
  if (m.artifactType !== undefined && typeof m.artifactType !== "string") throw new InvalidManifest("artifactType: expected a string");

  if (isIndexType(mediaType)) {
    if (!Array.isArray(m.manifests)) throw new InvalidManifest("manifests: an index needs a manifests array");
    return { mediaType, blobs: [], manifests: descriptors(m.manifests, "manifests"), subject, artifactType: m.artifactType as string | undefined, annotations };
  }
  const config = descriptor(m.config, "config");
  if (m.layers !== undefined && !Array.isArray(m.layers)) throw new InvalidManifest("layers: expected an array");
  const layers = descriptors(m.layers, "layers");
  // Spec 1.1 (referrers): without an artifactType, the config's media type is the
  // manifest's artifact type, whatever it is (the empty JSON type included).
  const artifactType = (m.artifactType as string | undefined) ?? config.mediaType;
  return { mediaType, blobs: [config, ...layers], manifests: [], subject, artifactType, annotations };
}

/** "os/architecture[/variant]" of an index entry, as the config's `platforms` lists name it. */
export function platformOf(d: Descriptor): string | undefined {
  return d.platform ? [d.platform.os, d.platform.architecture, d.platform.variant].filter(Boolean).join("/") : undefined;
}

/** Everything a manifest references, one entry per blob or child manifest (what manifest_refs records). */
export function referencesOf(parsed: ParsedManifest): { kind: "blob" | "manifest"; digest: string; size: number; mediaType: string; platform?: string }[] {
  return [
    ...parsed.blobs.map((d) => ({ kind: "blob" as const, digest: d.digest, size: d.size, mediaType: d.mediaType })),
    ...parsed.manifests.map((d) => ({ kind: "manifest" as const, digest: d.digest, size: d.size, mediaType: d.mediaType, platform: platformOf(d) })),
  ];
}
