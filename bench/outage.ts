// Every upstream down: the upstream registry is stopped (connection refused), then
// both caches are restarted with what they cached. regcache must start and serve the
// image it cached; the reference proxy is expected not to start at all.
import type { RegcacheProcess } from "../test/e2e/regcache-process.ts";
import type { UpstreamRegistry } from "../test/helpers/upstream-registry.ts";
import type { BenchImage } from "./fixtures.ts";
import { timePull } from "./pulls.ts";
import { blobUrl, type Endpoint } from "./servers.ts";

export interface OutageFigures {
  started: boolean;
  /** skopeo pulled the whole image (by tag) through the cache; undefined when it did not start. */
  pulled?: boolean;
  pullSeconds?: number;
  /** The 512 MiB blob answered 200 with the right size (HEAD). */
  bigBlobServed?: boolean;
  /** Why it did not start, or why the pull failed: the process's last words. */
  reason?: string;
}

const firstLine = (error: unknown) => String(error instanceof Error ? error.message : error).split("\n")[0]!.slice(0, 200);

async function servesCache(endpoint: Endpoint, image: BenchImage, big: { repo: string; digest: string; size: number }): Promise<OutageFigures> {
  const figures: OutageFigures = { started: true };
  try {
    figures.pullSeconds = await timePull(endpoint, image);
    figures.pulled = true;
  } catch (error) {
    figures.pulled = false;
    figures.reason = firstLine(error);
  }
  const head = await fetch(blobUrl(endpoint, big.repo, big.digest), { method: "HEAD" }).catch(() => undefined);
  figures.bigBlobServed = head?.status === 200 && Number(head.headers.get("content-length")) === big.size;
  return figures;
}

export async function measureOutage(
  upstream: UpstreamRegistry,
  caches: { proxy: { registry: UpstreamRegistry; endpoint: Endpoint }; regcache: { regcache: RegcacheProcess; endpoint: Endpoint } },
  image: BenchImage,
  big: { repo: string; digest: string; size: number },
): Promise<{ proxy: OutageFigures; regcache: OutageFigures }> {
  await upstream.stop();

  let regcache: OutageFigures;
  try {
    await caches.regcache.regcache.restart();
    regcache = await servesCache(caches.regcache.endpoint, image, big);
  } catch (error) {
    regcache = { started: false, reason: firstLine(error) };
  }

  let proxy: OutageFigures;
  try {
    await caches.proxy.registry.restart();
    proxy = await servesCache(caches.proxy.endpoint, image, big);
  } catch (error) {
    // docker-registry panics at start when it cannot reach its remote; keep the panic line.
    const lines = caches.proxy.registry.process().lines;
    const panic = lines.find((l) => l.startsWith("panic:")) ?? lines.at(-1) ?? firstLine(error);
    proxy = { started: false, reason: panic.slice(0, 200) };
  }
  return { proxy, regcache };
}
