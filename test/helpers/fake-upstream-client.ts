// An in-memory UpstreamClient for the cache's in-process tests: images from
// memory, every call recorded, and knobs for what a test needs an upstream to
// do — fail with a failure class, hold an answer until released, lie about a
// digest, or hand over a blob body the test writes itself. Tests only.
import { createHash, randomBytes } from "node:crypto";
import { OCI_INDEX, OCI_MANIFEST } from "../../src/oci/media-types.ts";
import { type FailureClass, UpstreamError, type UpstreamClient, type ManifestResult, type BlobResult, type TagList, type TagListOptions } from "../../src/upstream/index.ts";

export const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

export interface FakeImage {
  digest: string;
  bytes: Uint8Array;
  config: { digest: string; bytes: Uint8Array };
  layer: { digest: string; bytes: Uint8Array };
}

export interface Call {
  kind: "manifest" | "blob" | "tags" | "referrers";
  method: "HEAD" | "GET";
  repo: string;
  reference: string;
}

export class FakeUpstreamClient implements UpstreamClient {
  readonly calls: Call[] = [];
  /** Every call fails with this class while set. */
  failure: FailureClass | undefined;
  /** Calls wait for this before answering (single-flight tests). */
  hold: Promise<void> | undefined;
  /** Replaces the Docker-Content-Digest of manifest answers (a lying upstream). */
  announce: ((real: string) => string | undefined) | undefined;
  /** Replaces manifest bytes (an upstream that answers with other content). */
  rewrite: ((bytes: Uint8Array) => Uint8Array) | undefined;
  /** The body of a blob GET, when the test wants to write it itself. */
  blobBody: ((digest: string) => { body: ReadableStream<Uint8Array>; size?: number }) | undefined;
  private readonly manifests = new Map<string, { bytes: Uint8Array; mediaType: string }>();
  private readonly blobs = new Map<string, Uint8Array>();

  constructor(readonly name: string) {}

  /** A random one-layer image in `repo` under `tag`. */
  image(repo: string, tag: string, layerSize = 1000): FakeImage {
    const config = this.addBlob(new TextEncoder().encode(JSON.stringify({ architecture: "amd64", os: "linux", seed: randomBytes(8).toString("hex") })));
    const layer = this.addBlob(randomBytes(layerSize));
    const doc = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config.digest, size: config.bytes.byteLength },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layer.digest, size: layer.bytes.byteLength }],
    };
    const bytes = new TextEncoder().encode(JSON.stringify(doc));
    const digest = sha256(bytes);
    this.manifests.set(`${repo}:${tag}`, { bytes, mediaType: OCI_MANIFEST });
    this.manifests.set(`${repo}@${digest}`, { bytes, mediaType: OCI_MANIFEST });
    return { digest, bytes, config, layer };
  }

  /** An index over `children` under `tag`; `sizeOf` may lie about a child's size. */
  index(repo: string, tag: string, children: FakeImage[], sizeOf: (child: FakeImage) => number = (c) => c.bytes.byteLength): { digest: string } {
    const doc = {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: children.map((c) => ({ mediaType: OCI_MANIFEST, digest: c.digest, size: sizeOf(c), platform: { os: "linux", architecture: "amd64" } })),
    };
    const bytes = new TextEncoder().encode(JSON.stringify(doc));
    const digest = sha256(bytes);
    this.manifests.set(`${repo}:${tag}`, { bytes, mediaType: OCI_INDEX });
    this.manifests.set(`${repo}@${digest}`, { bytes, mediaType: OCI_INDEX });
    return { digest };
  }

  addBlob(bytes: Uint8Array): { digest: string; bytes: Uint8Array } {
    const digest = sha256(bytes);
    this.blobs.set(digest, bytes);
    return { digest, bytes };
  }

  count(kind: Call["kind"], method?: Call["method"]): number {
    return this.calls.filter((c) => c.kind === kind && (method === undefined || c.method === method)).length;
  }

  private async gate(call: Call): Promise<void> {
    this.calls.push(call);
    if (this.hold) await this.hold;
    if (this.failure) throw new UpstreamError(this.name, this.failure, `fake upstream failing with ${this.failure}`);
  }

  private notFound(what: string): UpstreamError {
    return new UpstreamError(this.name, "http-404", `${what} not found`);
  }

  async manifest(repo: string, reference: string, method: "HEAD" | "GET"): Promise<ManifestResult> {
    await this.gate({ kind: "manifest", method, repo, reference });
    const m = this.manifests.get(reference.includes(":") ? `${repo}@${reference}` : `${repo}:${reference}`);
    if (!m) throw this.notFound(`manifest ${reference}`);
    const real = sha256(m.bytes);
    const digest = this.announce ? this.announce(real) : real;
    const bytes = this.rewrite ? this.rewrite(m.bytes) : m.bytes;
    return { status: 200, digest, mediaType: m.mediaType, size: bytes.byteLength, ...(method === "GET" ? { body: bytes } : {}) };
  }

  async blob(repo: string, digest: string): Promise<BlobResult> {
    await this.gate({ kind: "blob", method: "GET", repo, reference: digest });
    if (this.blobBody) {
      const { body, size } = this.blobBody(digest);
      return { body, size, abort: () => {} };
    }
    const bytes = this.blobs.get(digest);
    if (!bytes) throw this.notFound(`blob ${digest}`);
    return { body: new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(), size: bytes.byteLength, abort: () => {} };
  }

  async blobSize(repo: string, digest: string): Promise<number | undefined> {
    await this.gate({ kind: "blob", method: "HEAD", repo, reference: digest });
    const bytes = this.blobs.get(digest);
    if (!bytes) throw this.notFound(`blob ${digest}`);
    return bytes.byteLength;
  }

  async tags(repo: string, options: TagListOptions = {}): Promise<TagList> {
    await this.gate({ kind: "tags", method: "GET", repo, reference: "" });
    const all = [...this.manifests.keys()].filter((k) => k.startsWith(`${repo}:`)).map((k) => k.slice(repo.length + 1)).sort();
    const after = all.filter((t) => options.last === undefined || t > options.last);
    const limit = options.limit ?? 10_000;
    return { tags: after.slice(0, limit), more: after.length > limit };
  }

  async referrers(repo: string, digest: string): Promise<Uint8Array | undefined> {
    await this.gate({ kind: "referrers", method: "GET", repo, reference: digest });
    return undefined;
  }

  async close(): Promise<void> {}
}
