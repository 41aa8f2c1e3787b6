// ManifestRead.parsed() for stored manifests: parsed on first use and once.
// Serving a manifest needs only its bytes, so a warm GET never pays for JSON.parse.
import { parseManifest, type ParsedManifest } from "../oci/manifest.ts";

export function lazyParse(content: Uint8Array, mediaType: string): () => ParsedManifest {
  let parsed: ParsedManifest | undefined;
  return () => (parsed ??= parseManifest(content, mediaType));
}
