// The images the bench pulls, generated fresh each run (random layers, gzip level 0)
// into one OCI layout and pushed to the upstream registry with skopeo.
import { join } from "node:path";
import { makeImage, writeOciLayout, type GeneratedImage } from "../test/helpers/oci-image.ts";
import { pushLayout } from "../test/helpers/skopeo.ts";
import { makeTempDir } from "../test/helpers/temp-dirs.ts";

const MiB = 1024 * 1024;

export interface BenchImage {
  /** Repository at the upstream, e.g. "bench/pull". */
  repo: string;
  tag: string;
  manifestDigest: string;
  /** Config and layers: what a pull GETs as blobs. */
  blobs: { digest: string; size: number }[];
}

export interface Fixtures {
  /** The OCI layout holding every blob; nginx serves it (blobs/sha256/<hex>). */
  layoutDir: string;
  /** 4 × 64 MiB layers: cold and warm pulls, manifest GETs. */
  pull: BenchImage;
  /** 1 × 64 MiB layer: 20 concurrent cold GETs of its layer. */
  concurrent: BenchImage;
  /** 1 × 512 MiB layer: large-blob throughput and peak RSS. */
  big: BenchImage;
  /** The big layer: digest, size and its path under the layout (for nginx). */
  bigBlob: { digest: string; size: number; path: string };
}

function describe(repo: string, image: GeneratedImage): BenchImage {
  return {
    repo,
    tag: "v1",
    manifestDigest: image.digests.manifest,
    blobs: [image.config, ...image.layers].map((b) => ({ digest: b.descriptor.digest, size: b.descriptor.size })),
  };
}

/** Generates the images and pushes them to the registry at `host` ("127.0.0.1:PORT"). */
export async function prepareFixtures(host: string, log: (msg: string) => void): Promise<Fixtures> {
  const layoutDir = makeTempDir("regcache-bench-layout-").path;
  const specs = [
    { key: "pull", repo: "bench/pull", layers: 4, layerSize: 64 * MiB },
    { key: "concurrent", repo: "bench/concurrent", layers: 1, layerSize: 64 * MiB },
    { key: "big", repo: "bench/big", layers: 1, layerSize: 512 * MiB },
  ] as const;
  const images: Record<string, BenchImage> = {};
  for (const spec of specs) {
    const started = performance.now();
    // One image at a time, so that only one set of layers is in memory.
    const image = makeImage({ layers: spec.layers, layerSize: spec.layerSize });
    await writeOciLayout(join(layoutDir, spec.key), { v1: image });
    images[spec.key] = describe(spec.repo, image);
    await pushLayout(join(layoutDir, spec.key), "v1", `${host}/${spec.repo}:v1`, { timeoutMs: 300_000 });
    log(`fixture ${spec.repo}:v1 (${spec.layers} × ${spec.layerSize / MiB} MiB) generated and pushed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const big = images.big!.blobs[1]!;
  return {
    layoutDir,
    pull: images.pull!,
    concurrent: images.concurrent!,
    big: images.big!,
    bigBlob: { ...big, path: `/big/blobs/sha256/${big.digest.slice("sha256:".length)}` },
  };
}
