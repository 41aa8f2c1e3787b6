import { createHash, randomBytes, randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { makeTar } from "./tar.ts";

// Writing these to disk lives in oci-layout.ts; re-exported so tests import one module.
export { blobsOf, topDescriptor, writeOciLayout } from "./oci-layout.ts";

export const MEDIA_TYPES = {
  manifest: "application/vnd.oci.image.manifest.v1+json",
  index: "application/vnd.oci.image.index.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
}

export interface GeneratedBlob {
  descriptor: Descriptor;
  bytes: Buffer;
}

export interface GeneratedLayer extends GeneratedBlob {
  /** sha256 of the uncompressed tar, as listed in the config's rootfs.diff_ids. */
  diffId: string;
  /** The one file in the layer (besides its directory), for checks after unpacking. */
  path: string;
}

export interface GeneratedImage {
  kind: "image";
  platform: Platform;
  manifest: GeneratedBlob;
  config: GeneratedBlob;
  layers: GeneratedLayer[];
  digests: { manifest: string; config: string; layers: string[] };
}

export interface GeneratedIndex {
  kind: "index";
  index: GeneratedBlob;
  images: GeneratedImage[];
  digests: { index: string; manifests: string[] };
}

export interface ImageOptions {
  /** Number of layers; default 3. */
  layers?: number;
  /** Bytes of random content per layer (before tar and gzip); default 64 KiB. */
  layerSize?: number;
  /** Default linux/amd64. */
  platform?: Platform;
}

export const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

function blob(mediaType: string, bytes: Buffer): GeneratedBlob {
  return { descriptor: { mediaType, digest: sha256(bytes), size: bytes.length }, bytes };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

// Random content makes every layer unique, so no two generated images share a blob.
// gzip level 0 stores the tar uncompressed inside valid gzip framing: fast for big layers.
function makeLayer(index: number, size: number): GeneratedLayer {
  const dir = `regcache-test/`;
  const path = `${dir}layer-${index}-${randomUUID()}.bin`;
  const tar = makeTar([{ name: dir }, { name: path, content: randomBytes(size) }]);
  return { ...blob(MEDIA_TYPES.layer, gzipSync(tar, { level: 0 })), diffId: sha256(tar), path };
}

export function makeImage(options: ImageOptions = {}): GeneratedImage {
  const platform = options.platform ?? { os: "linux", architecture: "amd64" };
  const layers = Array.from({ length: options.layers ?? 3 }, (_, i) => makeLayer(i, options.layerSize ?? 64 * 1024));
  const created = new Date().toISOString();
  const config = blob(
    MEDIA_TYPES.config,
    json({
      created,
      ...platform,
      config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((_, i) => ({ created, created_by: `regcache test layer ${i}` })),
    }),
  );
  const manifest = blob(
    MEDIA_TYPES.manifest,
    json({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config: config.descriptor,
      layers: layers.map((l) => l.descriptor),
    }),
  );
  return {
    kind: "image",
    platform,
    manifest,
    config,
    layers,
    digests: { manifest: manifest.descriptor.digest, config: config.descriptor.digest, layers: layers.map((l) => l.descriptor.digest) },
  };
}

export interface IndexOptions extends Omit<ImageOptions, "platform"> {
  /** Default linux/amd64 and linux/arm64; every platform gets its own layers. */
  platforms?: Platform[];
}

export function makeIndex(options: IndexOptions = {}): GeneratedIndex {
  const platforms = options.platforms ?? [
    { os: "linux", architecture: "amd64" },
    { os: "linux", architecture: "arm64" },
  ];
  const images = platforms.map((platform) => makeImage({ ...options, platform }));
  const index = blob(
    MEDIA_TYPES.index,
    json({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.index,
      manifests: images.map((image) => ({ ...image.manifest.descriptor, platform: image.platform })),
    }),
  );
  return {
    kind: "index",
    index,
    images,
    digests: { index: index.descriptor.digest, manifests: images.map((i) => i.manifest.descriptor.digest) },
  };
}
