// Which failures may be answered from the cache is explicit per upstream. By default a tag
// deleted upstream (http-404) is not one of them: the client learns the tag is gone. With
// `stale_if_error` listing http-404, the cached copy keeps being served, STALE.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { pullToLayout } from "../../helpers/clients.ts";
import { makeImage, type GeneratedImage } from "../../helpers/oci-image.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { get, nextRequestLine, ociErrors, seed, sleepUntil, upstreamToml } from "./setup.ts";

const DEFAULTS = ["refused", "reset", "dns", "timeout", "tls", "http-5xx", "http-429"];

describe("stale_if_error: a tag deleted upstream", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let regcache: RegcacheProcess;
  let image: GeneratedImage;
  let confirmedBy = 0;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    image = makeImage({ layers: 1 });
    await seed(upstream, work.path, "app/one", { v1: image });
    regcache = await startRegcache({
      extraToml:
        upstreamToml({ name: "default", url: upstream.url, ttl: "1s" }) +
        upstreamToml({ name: "optin", url: upstream.url, ttl: "1s", staleIfError: [...DEFAULTS, "http-404"] }),
    });
    for (const name of ["default", "optin"]) await pullToLayout(`${regcache.host}/${name}/app/one:v1`, `${work.path}/warm-${name}`, "v1");
    confirmedBy = Date.now();
    // The registry deletes a manifest (and so its tags) by digest.
    const deleted = await fetch(`${upstream.url}/v2/app/one/manifests/${image.digests.manifest}`, { method: "DELETE" });
    expect(deleted.status).toBe(202);
  });

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  test("by default: past ttl the client hears the tag is gone (404 naming the upstream)", async () => {
    await sleepUntil(confirmedBy, 1_100);
    const answer = await get(regcache, "/v2/default/app/one/manifests/v1");
    expect(answer.status).toBe(404);
    const [error] = ociErrors(answer);
    expect(error).toMatchObject({ code: "MANIFEST_UNKNOWN", detail: { upstream: "default", failure: "http-404" } });
    expect(error.message).toContain('"default"');
  });

  test("opted in: the cached copy is served STALE", async () => {
    await sleepUntil(confirmedBy, 1_100);
    const line = nextRequestLine(regcache, "/v2/optin/app/one/manifests/v1");
    const answer = await get(regcache, "/v2/optin/app/one/manifests/v1");
    expect(answer.status).toBe(200);
    expect(answer.xCache).toBe("STALE");
    expect(answer.body.equals(image.manifest.bytes)).toBe(true);
    expect(await line()).toMatchObject({ cache: "STALE", upstream_failure: "http-404" });
  });
});
