// The registries under test, each seen as an Endpoint: where to send requests, the
// repository prefix it wants, and its pid (for /proc/PID/status).
import { startUpstreamRegistry, type UpstreamRegistry } from "../test/helpers/upstream-registry.ts";
import { startRegcache, type RegcacheProcess } from "../test/e2e/regcache-process.ts";

export interface Endpoint {
  label: string;
  /** "http://127.0.0.1:PORT" */
  url: string;
  /** "127.0.0.1:PORT" */
  host: string;
  /** Prepended to an upstream repository name: "" or "up/". */
  prefix: string;
  pid(): number;
}

/** The name regcache's config gives the upstream, hence its path prefix. */
export const UPSTREAM_NAME = "up";

export function upstreamEndpoint(upstream: UpstreamRegistry): Endpoint {
  return { label: "upstream (direct)", url: upstream.url, host: upstream.host, prefix: "", pid: () => upstream.process().pid };
}

/** docker-registry in proxy mode: the reference pull-through cache. Start the upstream first. */
export async function startReferenceProxy(upstream: UpstreamRegistry): Promise<{ registry: UpstreamRegistry; endpoint: Endpoint }> {
  const registry = await startUpstreamRegistry({ proxy: { remoteUrl: upstream.url } });
  return {
    registry,
    endpoint: { label: "reference proxy", url: registry.url, host: registry.host, prefix: "", pid: () => registry.process().pid },
  };
}

export async function startRegcacheProxy(upstream: UpstreamRegistry): Promise<{ regcache: RegcacheProcess; endpoint: Endpoint }> {
  const regcache = await startRegcache({
    extraToml: ["[[upstream]]", `name = "${UPSTREAM_NAME}"`, `url = "${upstream.url}"`, "insecure = true", ""].join("\n"),
  });
  return {
    regcache,
    endpoint: { label: "regcache", url: regcache.url, host: regcache.host, prefix: `${UPSTREAM_NAME}/`, pid: () => regcache.process().pid },
  };
}

export const blobUrl = (e: Endpoint, repo: string, digest: string) => `${e.url}/v2/${e.prefix}${repo}/blobs/${digest}`;
export const manifestUrl = (e: Endpoint, repo: string, reference: string) => `${e.url}/v2/${e.prefix}${repo}/manifests/${reference}`;
export const imageRef = (e: Endpoint, repo: string, tag: string) => `${e.host}/${e.prefix}${repo}:${tag}`;
