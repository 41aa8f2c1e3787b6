// The bundle service: export images from the store as an OCI layout tar
// stream, import one. server/services.ts builds it; api/bundles.ts serves it.
import { type BundleContext } from "./context.ts";
import { type ExportOptions, planExport } from "./export-plan.ts";
import { exportTar } from "./export-stream.ts";
import { importBlobs } from "./import-blobs.ts";
import { type ImportedImage, importImages, type ImportOptions } from "./import-images.ts";
import { parseIndex } from "./layout.ts";

export interface ImportReport {
  images: ImportedImage[];
  blobs: { written: number; skipped: number; broken: { digest: string; error: string }[] };
}

export interface Bundles {
  export(refs: string[], options: ExportOptions): Promise<{ length: number; images: number; body: ReadableStream<Uint8Array> }>;
  import(source: ReadableStream<Uint8Array>, options: ImportOptions): Promise<ImportReport>;
}

export function createBundles(ctx: BundleContext): Bundles {
  return {
    async export(refs, options) {
      const plan = await planExport(ctx, refs, options);
      // The tags were confirmed no later than now (a fresh tag earlier, but "now" is the honest upper bound the cache vouches for).
      const { length, body } = exportTar(ctx.store, plan, ctx.now());
      return { length, images: plan.entries.length, body };
    },
    async import(source, options) {
      const read = await importBlobs(ctx.store, ctx.db, ctx.now, source, () => {});
      const images = await importImages(ctx, parseIndex(read.index), read.broken, options);
      ctx.log.info("bundle imported", { images: images.length, failed: images.filter((i) => i.state === "failed").length, written: read.written, skipped: read.skipped });
      return { images, blobs: { written: read.written, skipped: read.skipped, broken: [...read.broken].map(([digest, error]) => ({ digest, error })) } };
    },
  };
}
