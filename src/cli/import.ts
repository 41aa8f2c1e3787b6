// `regcache import FILE.tar|DIR`: streams a bundle to the running server,
// which verifies every blob as it arrives, skips what it has, and records the
// images as if pulled. Exit 1 naming each image that could not be imported
// (a corrupt or missing blob); the others are in. Rerunning is safe.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { loadConfig } from "../config/load.ts";
import { parseDuration } from "../config/units.ts";
import { BundleInvalid } from "../bundle/layout.ts";
import { openBundle, selectImages, tarOf } from "../bundle/layout-source.ts";
import { TarFormatError } from "../bundle/tar.ts";
import type { ImportReport } from "../bundle/service.ts";
import { adminClientFor, ServerRefused, ServerUnreachable } from "./admin-client.ts";
import { parse, UsageError } from "./args.ts";
import { bundleView, counting, readImageList } from "./bundle-view.ts";
import type { CliIo } from "./io.ts";

export const IMPORT_USAGE = `import [--server URL] [--fresh-for DURATION] [--images FILE] FILE.tar|DIR
                                 load a bundle written by \`regcache export\` into the running regcache`;

export async function importCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    { config: { type: "string" }, server: { type: "string" }, "fresh-for": { type: "string" }, images: { type: "string" }, plain: { type: "boolean" } },
    true,
  );
  if (positionals.length !== 1) throw new UsageError("import: name one bundle, FILE.tar or DIR");
  const fresh = values["fresh-for"];
  if (fresh !== undefined && parseDuration(fresh) === undefined) throw new UsageError(`--fresh-for: expected a duration like "24h", got ${JSON.stringify(fresh)}`);
  const path = positionals[0];
  const client = adminClientFor(values.server, io.env, () => loadConfig(values.config, io.env).config, io.platform);
  try {
    const info = await stat(path);
    const images = values.images ? await readImageList(values.images) : [];
    // With --images, only what those images need is sent; a whole tar file goes as it is, byte for byte.
    const { length, body } = images.length
      ? tarOf(await selectImages(await openBundle(path), images))
      : info.isDirectory()
        ? tarOf(await openBundle(path))
        : { length: info.size, body: Readable.toWeb(createReadStream(path, { highWaterMark: 1 << 20 })) as unknown as ReadableStream<Uint8Array> };
    const query = new URLSearchParams();
    if (fresh !== undefined) query.set("fresh_for", fresh);
    for (const ref of images) query.append("image", ref);
    const view = bundleView(io.stdout, !values.plain && (io.stdout as NodeJS.WriteStream).isTTY === true, `import ${path}`, length);
    const started = Date.now();
    const response = await client.stream(`/bundles/import${query.size ? `?${query}` : ""}`, { contentType: "application/x-tar", body: counting(body, (n) => view.add(n)) });
    const report = (await response.json()) as ImportReport;
    const failed = report.images.filter((i) => i.state === "failed");
    // One line per image, after the bar is done, so the two never interleave on a terminal.
    const lines = report.images.map((image) => `${image.ref}: ${image.state === "imported" ? `imported ${image.digest}` : `FAILED: ${image.error}`}\n`).join("");
    const b = report.blobs;
    view.finish(`${lines}imported ${report.images.length - failed.length} of ${report.images.length} image(s): ${b.written} blobs written, ${b.skipped} already present, ${b.broken.length} broken, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const image of failed) io.stderr.write(`regcache: import: ${image.ref}: ${image.error}\n`);
    return failed.length || report.images.length === 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof ServerUnreachable || e instanceof ServerRefused || e instanceof BundleInvalid || e instanceof TarFormatError || (e as NodeJS.ErrnoException).code) {
      io.stderr.write(`regcache: import: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
}
