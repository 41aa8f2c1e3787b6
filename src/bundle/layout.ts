// The OCI image layout a bundle is: `oci-layout`, `index.json` and
// `blobs/<alg>/<hex>`. index.json names each image as clients pull it from
// regcache (org.opencontainers.image.ref.name), the cached repository it
// belongs to, and when it was exported (so an import can date its tags).
import { shapeProblem } from "../oci/json-depth.ts";
import { OCI_INDEX } from "../oci/media-types.ts";

export const REF_NAME = "org.opencontainers.image.ref.name";
/** On index.json: when the exporting regcache last had these tags confirmed (ISO 8601). */
export const EXPORTED_AT = "io.regcache.exported-at";
/** On each entry: the cached repository ("quay.io/org/app"), also for entries without a tag. */
export const REPOSITORY = "io.regcache.repository";
/** On referrer entries (signatures, SBOMs): the digest of the manifest they refer to. */
export const REFERRER_OF = "io.regcache.referrer-of";

export const OCI_LAYOUT = JSON.stringify({ imageLayoutVersion: "1.0.0" });

export interface IndexEntry {
  mediaType: string;
  digest: string;
  size: number;
  annotations: Record<string, string>;
}

export interface BundleIndex {
  entries: IndexEntry[];
  exportedAt: number | undefined;
  /** index.json as parsed, for writing a trimmed copy that keeps its other fields. */
  document: Record<string, unknown>;
}

export function blobName(digest: string): string {
  const [alg, hex] = digest.split(":");
  return `blobs/${alg}/${hex}`;
}

/** "blobs/sha256/<hex>" → "sha256:<hex>", or undefined for any other path. */
export function digestOfName(name: string): string | undefined {
  const m = /^blobs\/(sha256|sha512)\/([0-9a-f]{64}|[0-9a-f]{128})$/.exec(name);
  return m ? `${m[1]}:${m[2]}` : undefined;
}

export function indexJson(entries: IndexEntry[], exportedAt: number): string {
  return JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries, annotations: { [EXPORTED_AT]: new Date(exportedAt).toISOString() } }, null, 2);
}

export class BundleInvalid extends Error {
  constructor(why: string) {
    super(`not a regcache bundle (OCI image layout): ${why}`);
    this.name = "BundleInvalid";
  }
}

export function parseIndex(bytes: Uint8Array): BundleIndex {
  let doc: { manifests?: unknown; annotations?: Record<string, unknown> };
  // A bundle is brought in from outside: its index.json gets the same bound on nesting as a manifest.
  const problem = shapeProblem(bytes);
  if (problem) throw new BundleInvalid(`index.json ${problem}`);
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new BundleInvalid("index.json is not JSON");
  }
  if (!Array.isArray(doc.manifests)) throw new BundleInvalid("index.json has no manifests list");
  const entries = doc.manifests.map((m: IndexEntry) => {
    if (typeof m?.digest !== "string" || typeof m.mediaType !== "string" || typeof m.size !== "number") throw new BundleInvalid("an index.json entry lacks digest, mediaType or size");
    return { mediaType: m.mediaType, digest: m.digest, size: m.size, annotations: typeof m.annotations === "object" && m.annotations ? m.annotations : {} };
  });
  const at = doc.annotations?.[EXPORTED_AT];
  const exportedAt = typeof at === "string" && !Number.isNaN(Date.parse(at)) ? Date.parse(at) : undefined;
  return { entries, exportedAt, document: doc };
}
