// Issue 13, bundles: a bundle written by another tool (skopeo's oci-archive,
// which knows nothing of regcache's annotations) imports by its ref.name; and
// an import never moves a tag an immutability policy pins (the same rule a pull
// obeys): that image is refused and named, the tag keeps its digest.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { skopeoCopy } from "../../helpers/clients.ts";
import { makeImage, type GeneratedImage } from "../../helpers/oci-image.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import type { RegcacheProcess } from "../regcache-process.ts";
import { api, seed } from "../prefetch/setup.ts";
import { airGapped, cli, manifestVia } from "./setup.ts";

describe("foreign bundles and pinned tags", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let b: RegcacheProcess;
  let first: GeneratedImage;
  let second: GeneratedImage;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    first = makeImage({ layers: 1 });
    second = makeImage({ layers: 1 });
    b = await airGapped();
  });

  afterAll(async () => {
    await b?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  /** skopeo writes the upstream's current 1.2 as an oci-archive named the regcache way. */
  async function skopeoBundle(image: GeneratedImage, name: string): Promise<string> {
    await seed(upstream, work.path, "org/app", { "1.2": image });
    const file = join(work.path, name);
    await skopeoCopy(`docker://${upstream.host}/org/app:1.2`, `oci-archive:${file}:quay.io/org/app:1.2`);
    return file;
  }

  test("skopeo's oci-archive imports by its ref.name", async () => {
    const { code, stdout, stderr } = await cli(["import", "--server", b.url, await skopeoBundle(first, "first.tar")]);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`quay.io/org/app:1.2: imported ${first.digests.manifest}`);
    const got = await manifestVia(b, "quay.io/org/app", "1.2");
    expect(got.cache).toBe("HIT");
    expect(got.body.equals(first.manifest.bytes)).toBe(true);
  });

  test("a tag pinned by a policy is not moved by an import", async () => {
    await api(b, "/organization/quay.io/immutabilitypolicy/", { method: "POST", body: JSON.stringify({ tagPattern: ".*", tagPatternMatches: true }) });
    const { code, stderr } = await cli(["import", "--server", b.url, await skopeoBundle(second, "second.tar")]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^regcache: import: quay\.io\/org\/app:1\.2: .*immutable/);
    expect((await manifestVia(b, "quay.io/org/app", "1.2")).body.equals(first.manifest.bytes)).toBe(true);
  });
});
