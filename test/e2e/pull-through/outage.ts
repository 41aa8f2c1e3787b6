// The scenario of issue 3, item 3: regcache caches an image from the real upstream, then
// its upstream turns into a fault stand-in. The same image is cached under three upstream
// names, each with its own ttl and staleness, so that one run shows all three answers:
//   fresh  ttl 1h                  → served from the cache, the stand-in never contacted
//   keep   ttl 1s, staleness 1h    → after 1 s: served STALE
//   gone   ttl 1s, staleness 1s    → after 2 s: an OCI error naming upstream and class
import { pullToLayout, skopeoCopy } from "../../helpers/clients.ts";
import { makeImage, type GeneratedImage } from "../../helpers/oci-image.ts";
import { makeTempDir, type TempDir, useTempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { repoint, seed, upstreamToml, type UpstreamTable } from "./setup.ts";

export const REPO = "app/one";
export const TTL_MS = 1_000;
/** ttl + staleness of "gone". */
export const EXPIRY_MS = 2_000;

export interface Outage {
  upstream: UpstreamRegistry;
  regcache: RegcacheProcess;
  image: GeneratedImage;
  /** Every name had confirmed REPO:v1 by this time (Date.now()). */
  confirmedBy: number;
  /** A scratch directory of the scenario. */
  dir: string;
  dispose(): Promise<void>;
}

/** `timeouts`: connect_timeout and timeout of every name, e.g. for a black hole. */
export async function cacheThenFail(standinUrl: string, timeouts: Pick<UpstreamTable, "connectTimeout" | "timeout"> = {}): Promise<Outage> {
  const work: TempDir = makeTempDir();
  const upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
  const image = makeImage({ layers: 2 });
  await seed(upstream, work.path, REPO, { v1: image });
  const table = (name: string, ttl: string, staleness: string) => upstreamToml({ name, url: upstream.url, ttl, staleness, ...timeouts });
  const regcache = await startRegcache({ extraToml: table("fresh", "1h", "1h") + table("keep", "1s", "1h") + table("gone", "1s", "1s") });
  for (const name of ["fresh", "keep", "gone"]) {
    await pullToLayout(`${regcache.host}/${name}/${REPO}:v1`, `${work.path}/warm-${name}`, "v1");
  }
  const confirmedBy = Date.now();
  await repoint(regcache, upstream.url, standinUrl);
  return {
    upstream,
    regcache,
    image,
    confirmedBy,
    dir: work.path,
    async dispose() {
      await regcache.dispose();
      await upstream.stop();
      work.remove();
    },
  };
}

/** Pulls the "fresh" copy by tag and by digest with skopeo: within ttl, the failing upstream is never needed. */
export async function pullFreshByTagAndDigest(o: Outage): Promise<void> {
  await skopeoCopy(`docker://${o.regcache.host}/fresh/${REPO}:v1`, `oci:${useTempDir()}:v1`);
  await skopeoCopy(`docker://${o.regcache.host}/fresh/${REPO}@${o.image.digests.manifest}`, `oci:${useTempDir()}:pinned`);
}
