// `regcache export REF... --out FILE.tar|DIR`: asks the running server for an
// OCI image layout of complete images (completing them from the upstream
// first, unless --offline) and writes it as a tar file or a folder. The server
// streams the tar; this command only moves its bytes to disk.
import { createWriteStream } from "node:fs";
import { rename, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { loadConfig } from "../config/load.ts";
import { extractLayout } from "../bundle/layout-dir.ts";
import { adminClientFor, ServerRefused, ServerUnreachable } from "./admin-client.ts";
import { parse, UsageError } from "./args.ts";
import { bundleView, counting, readImageList } from "./bundle-view.ts";
import { formatBytes } from "./bytes.ts";
import type { CliIo } from "./io.ts";

export const EXPORT_USAGE = `export [--server URL] --out FILE.tar|DIR [--platform os/arch]... [--referrers] [--offline] [--images FILE] [REF...]
                                 write complete cached images as an OCI image layout (a bundle)`;

export async function exportCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    { config: { type: "string" }, server: { type: "string" }, out: { type: "string" }, platform: { type: "string", multiple: true }, referrers: { type: "boolean" }, offline: { type: "boolean" }, images: { type: "string" }, plain: { type: "boolean" } },
    true,
  );
  if (!values.out) throw new UsageError("export: --out FILE.tar or --out DIR is required");
  const refs = [...positionals, ...(values.images ? await readImageList(values.images) : [])];
  if (refs.length === 0) throw new UsageError("export: name at least one image (REF... or --images FILE)");
  const client = adminClientFor(values.server, io.env, () => loadConfig(values.config, io.env).config, io.platform);
  const toDir = !values.out.endsWith(".tar") && !(await stat(values.out).then((s) => s.isFile(), () => false));
  try {
    const response = await client.stream("/bundles/export", {
      contentType: "application/json",
      body: JSON.stringify({ refs, platforms: values.platform ?? [], referrers: values.referrers ?? false, offline: values.offline ?? false }),
    });
    const total = Number(response.headers.get("x-bundle-bytes") ?? response.headers.get("content-length") ?? 0);
    let written = 0;
    const view = bundleView(io.stdout, !values.plain && (io.stdout as NodeJS.WriteStream).isTTY === true, `export ${values.out}`, total);
    const started = Date.now();
    const body = counting(response.body!, (n) => {
      written += n;
      view.add(n);
    });
    if (toDir) await extractLayout(body, values.out);
    else {
      // Written beside and renamed: an interrupted export leaves no file that looks whole.
      await pipeline(Readable.fromWeb(body as never), createWriteStream(`${values.out}.partial`));
      // A stream that ended early (the server stopped) must not pass for a bundle.
      if (total && written !== total) throw new ServerRefused(502, `the server sent ${written} of ${total} bytes; ${values.out}.partial is not a bundle`);
      await rename(`${values.out}.partial`, values.out);
    }
    const s = (Date.now() - started) / 1000;
    view.finish(`exported ${response.headers.get("x-bundle-images") ?? refs.length} manifest(s), ${formatBytes(written)} to ${values.out} in ${s.toFixed(1)} s`);
    return 0;
  } catch (e) {
    if (e instanceof ServerUnreachable || e instanceof ServerRefused) {
      io.stderr.write(`regcache: export: ${e.message}\n`);
      return 1;
    }
    if ((e as NodeJS.ErrnoException).code) {
      io.stderr.write(`regcache: export: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
}
