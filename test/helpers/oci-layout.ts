import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Descriptor, GeneratedBlob, GeneratedImage, GeneratedIndex } from "./oci-image.ts";

/** Every blob of an image or index, manifests included, each once. */
export function blobsOf(artifact: GeneratedImage | GeneratedIndex): GeneratedBlob[] {
  if (artifact.kind === "index") return [artifact.index, ...artifact.images.flatMap(blobsOf)];
  return [artifact.manifest, artifact.config, ...artifact.layers];
}

/** The descriptor that points at the artifact's top-level manifest or index. */
export function topDescriptor(artifact: GeneratedImage | GeneratedIndex): Descriptor {
  return artifact.kind === "index" ? artifact.index.descriptor : artifact.manifest.descriptor;
}

// An OCI image layout (image-spec layout.md), the form `skopeo copy oci:DIR:TAG` reads:
//   DIR/oci-layout                 {"imageLayoutVersion":"1.0.0"}
//   DIR/index.json                 one descriptor per tag, named by the
//                                  org.opencontainers.image.ref.name annotation
//   DIR/blobs/sha256/<hex>         every manifest, index, config and layer
export async function writeOciLayout(dir: string, tagged: Record<string, GeneratedImage | GeneratedIndex>): Promise<void> {
  const blobDir = join(dir, "blobs", "sha256");
  await mkdir(blobDir, { recursive: true });
  const manifests = [];
  for (const [tag, artifact] of Object.entries(tagged)) {
    for (const blob of blobsOf(artifact)) {
      await writeFile(join(blobDir, blob.descriptor.digest.slice("sha256:".length)), blob.bytes);
    }
    const { mediaType, digest, size } = topDescriptor(artifact);
    manifests.push({ mediaType, digest, size, annotations: { "org.opencontainers.image.ref.name": tag } });
  }
  await writeFile(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests }));
}
