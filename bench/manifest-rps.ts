// Manifest GETs per second by tag under 32 connections: wrk -c32 -t2 -d10s with the
// Accept header a client sends. For the caches the tag is warm (pulled before), so this
// measures how each serves a tag it already has.
import type { BenchImage } from "./fixtures.ts";
import { manifestUrl, type Endpoint } from "./servers.ts";
import { runWrk, type WrkResult } from "./wrk.ts";

export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

export async function manifestRps(endpoint: Endpoint, image: BenchImage, seconds = 10): Promise<WrkResult> {
  const url = manifestUrl(endpoint, image.repo, image.tag);
  const probe = await fetch(url, { headers: { accept: MANIFEST_ACCEPT } });
  const digest = probe.headers.get("docker-content-digest");
  await probe.body?.cancel();
  if (probe.status !== 200 || digest !== image.manifestDigest) {
    throw new Error(`${endpoint.label}: GET ${url} answered ${probe.status} with digest ${digest}, expected ${image.manifestDigest}`);
  }
  return runWrk(url, { connections: 32, threads: 2, seconds, headers: { Accept: MANIFEST_ACCEPT } });
}
