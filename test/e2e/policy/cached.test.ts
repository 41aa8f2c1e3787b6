// Issue 5, "What must be shown" 4: in a cached repository, an immutable tag
// keeps its digest when the upstream retags it. The upstream's namespace is
// the upstream's name ("up"); the policy exists before anything is cached.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPodman, pushLayout } from "../../helpers/clients.ts";
import { makeImage, writeOciLayout, type GeneratedImage } from "../../helpers/oci-image.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { api } from "./setup.ts";

const ACCEPT = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json";

describe("upstream retags a tag that a policy protects (binary)", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let regcache: RegcacheProcess;
  let first: GeneratedImage;
  let second: GeneratedImage;
  let uuid: string;

  /** Makes `tag` of library/app at the upstream point at `image`. */
  async function retag(tag: string, image: GeneratedImage): Promise<void> {
    const layout = `${work.path}/layout-${image.digests.manifest.slice(7, 19)}`;
    await writeOciLayout(layout, { [tag]: image });
    await pushLayout(layout, tag, `${upstream.host}/library/app:${tag}`);
  }

  async function pull(tag: string): Promise<{ digest: string | null; cache: string | null }> {
    const r = await fetch(`${regcache.url}/v2/up/library/app/manifests/${tag}`, { headers: { accept: ACCEPT } });
    expect(r.status).toBe(200);
    await r.arrayBuffer();
    return { digest: r.headers.get("docker-content-digest"), cache: r.headers.get("x-cache") };
  }

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    first = makeImage({ layers: 1 });
    second = makeImage({ layers: 1 });
    await retag("1.0", first);
    await retag("latest", first);
    // ttl 0s: every pull asks the upstream, so a retag is seen at once.
    regcache = await startRegcache({ extraToml: ["[[upstream]]", 'name = "up"', `url = "${upstream.url}"`, "insecure = true", 'ttl = "0s"', ""].join("\n") });
    const created = await api(regcache, "POST", "/repository/up/library/app/immutabilitypolicy/", { tagPattern: "[0-9]+\\.[0-9]+" });
    expect(created.status).toBe(201);
    uuid = created.body.uuid;
  });

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  test("both tags are cached at the first image", async () => {
    expect(await pull("1.0")).toMatchObject({ digest: first.digests.manifest, cache: "MISS" });
    expect((await pull("latest")).digest).toBe(first.digests.manifest);
  });

  test("the upstream moves both tags: the protected one stays pinned, the other follows", async () => {
    await retag("1.0", second);
    await retag("latest", second);
    expect(await pull("1.0")).toMatchObject({ digest: first.digests.manifest, cache: "REVALIDATED" });
    expect((await pull("latest")).digest).toBe(second.digests.manifest);
    const kept = regcache.logs().find((l) => l.msg === "immutable tag kept its digest despite upstream retag");
    expect(kept).toMatchObject({ repository: "up/library/app", tag: "1.0", kept: first.digests.manifest, upstream_digest: second.digests.manifest, policy: uuid });
  });

  test("podman pulling through the mirror gets the pinned image, layers and all", async () => {
    const podman = createPodman({ dir: `${work.path}/podman`, mirrors: [{ location: upstream.host, mirrors: [`${regcache.host}/up`] }] });
    await podman.pull(`${upstream.host}/library/app:1.0`);
    expect(await podman.imageDigest(`${upstream.host}/library/app:1.0`)).toBe(first.digests.manifest);
  });

  test("deactivating the policy lets the next pull follow the upstream", async () => {
    expect((await api(regcache, "PUT", `/repository/up/library/app/immutabilitypolicy/${uuid}`, { active: false })).status).toBe(200);
    expect((await pull("1.0")).digest).toBe(second.digests.manifest);
  });
});
