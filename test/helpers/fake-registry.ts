// A small registry stand-in for the prefetcher's unit tests: serves images
// (manifests by tag and digest, blobs) from memory, counts requests, and can
// fail or slow down what a test picks. Tests only.
import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { httpServer, type Running } from "./test-servers.ts";

const digest = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

export interface FakeImage {
  digest: string;
  bytes: Uint8Array;
  config: string;
  layers: string[];
}

export interface FakeRegistry extends Running {
  /** "GET /v2/repo/blobs/sha256:…" per request, in order. */
  requests: string[];
  count(method: string, pathPart: string): number;
  /** A random image in `repo` under `tag`; `layers` blobs of `layerSize` bytes. */
  image(repo: string, tag: string, layers?: number, layerSize?: number, platform?: string): FakeImage;
  /** A cosign-style signature of `subject`: a manifest with one payload layer, tagged sha256-<hex>.sig. */
  signature(repo: string, subject: FakeImage): FakeImage;
  /** An index over images already added, under `tag`. */
  index(repo: string, tag: string, children: { image: FakeImage; platform: string }[]): { digest: string };
  /** Decide per request: a status to fail with, or undefined to serve it. */
  fault: (method: string, path: string) => number | undefined;
  /** Milliseconds to wait before sending each blob body. */
  blobDelayMs: number;
}

export async function startFakeRegistry(): Promise<FakeRegistry> {
  const blobs = new Map<string, Uint8Array>();
  const manifests = new Map<string, { bytes: Uint8Array; mediaType: string }>();
  const requests: string[] = [];
  const put = (bytes: Uint8Array) => {
    const d = digest(bytes);
    blobs.set(d, bytes);
    return d;
  };
  const putManifest = (repo: string, tag: string, doc: unknown, mediaType: string) => {
    const bytes = new TextEncoder().encode(JSON.stringify(doc));
    const d = digest(bytes);
    manifests.set(`${repo}@${d}`, { bytes, mediaType });
    manifests.set(`${repo}:${tag}`, { bytes, mediaType });
    return { digest: d, bytes };
  };
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "").split("?")[0]!;
    requests.push(`${req.method} ${path}`);
    const failed = registry.fault(req.method ?? "GET", path);
    if (failed) return void res.writeHead(failed, { "content-type": "text/plain" }).end("nope");
    const t = /^\/v2\/(.+)\/tags\/list$/.exec(path);
    if (t) {
      const tags = [...manifests.keys()].filter((k) => k.startsWith(`${t[1]}:`)).map((k) => k.slice(t[1]!.length + 1));
      return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name: t[1], tags }));
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    if (!m) return void res.writeHead(path === "/v2/" ? 200 : 404).end("{}");
    const [, repo, kind, ref] = m;
    if (kind === "manifests") {
      const found = manifests.get(`${repo}${ref!.includes(":") ? "@" : ":"}${ref}`);
      if (!found) return void res.writeHead(404, { "content-type": "application/json" }).end(`{"errors":[{"code":"MANIFEST_UNKNOWN"}]}`);
      res.writeHead(200, { "content-type": found.mediaType, "docker-content-digest": digest(found.bytes), "content-length": found.bytes.byteLength });
      return void res.end(req.method === "HEAD" ? undefined : found.bytes);
    }
    const blob = blobs.get(ref!);
    if (!blob) return void res.writeHead(404).end();
    if (registry.blobDelayMs) await new Promise((r) => setTimeout(r, registry.blobDelayMs));
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": blob.byteLength });
    res.end(blob);
  };
  const server = await httpServer((req, res) => void handler(req, res));
  const registry: FakeRegistry = {
    ...server,
    requests,
    count: (method, part) => requests.filter((r) => r.startsWith(`${method} `) && r.includes(part)).length,
    fault: () => undefined,
    blobDelayMs: 0,
    image(repo, tag, layers = 2, layerSize = 10_000, platform = "linux/amd64") {
      const [os, architecture] = platform.split("/");
      const layerDigests = Array.from({ length: layers }, () => put(randomBytes(layerSize)));
      const configBytes = new TextEncoder().encode(JSON.stringify({ os, architecture, rootfs: { type: "layers", diff_ids: [] }, nonce: randomBytes(8).toString("hex") }));
      const config = put(configBytes);
      const doc = {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config, size: configBytes.byteLength },
        layers: layerDigests.map((d) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: d, size: blobs.get(d)!.byteLength })),
      };
      const stored = putManifest(repo, tag, doc, OCI_MANIFEST);
      return { digest: stored.digest, bytes: stored.bytes, config, layers: layerDigests };
    },
    signature(repo, subject) {
      const payload = put(randomBytes(300));
      const configBytes = new TextEncoder().encode("{}");
      const config = put(configBytes);
      const doc = {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json",
        config: { mediaType: "application/vnd.oci.empty.v1+json", digest: config, size: configBytes.byteLength },
        layers: [{ mediaType: "application/vnd.dev.cosign.simplesigning.v1+json", digest: payload, size: 300 }],
        subject: { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.bytes.byteLength },
      };
      const stored = putManifest(repo, subject.digest.replace(":", "-") + ".sig", doc, OCI_MANIFEST);
      return { digest: stored.digest, bytes: stored.bytes, config, layers: [payload] };
    },
    index(repo, tag, children) {
      const doc = {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: children.map(({ image, platform }) => {
          const [os, architecture] = platform.split("/");
          return { mediaType: OCI_MANIFEST, digest: image.digest, size: image.bytes.byteLength, platform: { os, architecture } };
        }),
      };
      return { digest: putManifest(repo, tag, doc, OCI_INDEX).digest };
    },
  };
  return registry;
}
