// Pull timing: `skopeo copy docker://REF oci:DIR:TAG`, the same client and destination for
// the upstream, the reference proxy and regcache. Wall-clock time of the whole copy,
// including skopeo's start-up, which is the same for all three.
import { join } from "node:path";
import type { RequestFilter, UpstreamRegistry } from "../test/helpers/upstream-registry.ts";
import { skopeoCopy } from "../test/helpers/skopeo.ts";
import { makeTempDir } from "../test/helpers/temp-dirs.ts";
import { imageRef, type Endpoint } from "./servers.ts";
import type { BenchImage } from "./fixtures.ts";

/** Seconds to copy the image through `endpoint` into a fresh OCI layout (removed afterwards). */
export async function timePull(endpoint: Endpoint, image: BenchImage): Promise<number> {
  const dest = makeTempDir("regcache-bench-pull-");
  try {
    const started = performance.now();
    await skopeoCopy(`docker://${imageRef(endpoint, image.repo, image.tag)}`, `oci:${join(dest.path, "layout")}:pulled`, { timeoutMs: 300_000 });
    return (performance.now() - started) / 1000;
  } finally {
    dest.remove();
  }
}

const BLOB_GETS: RequestFilter = { method: "GET", path: /\/blobs\/sha256:/ };

/** Requests the upstream logged, once the count has not moved for `quietMs`: a log
 *  line can trail its response, and the reference proxy fetches a blob a second time
 *  in the background, up to a few seconds after its client got the bytes. */
export async function settledCount(upstream: UpstreamRegistry, filter: RequestFilter, quietMs = 1_500): Promise<number> {
  let count = upstream.countRequests(filter);
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = upstream.countRequests(filter);
    if (now !== count) {
      count = now;
      since = Date.now();
    }
  }
  return count;
}

export const settledBlobGets = (upstream: UpstreamRegistry, quietMs?: number) => settledCount(upstream, BLOB_GETS, quietMs);

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
