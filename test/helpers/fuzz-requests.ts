// Generated hostile requests for the fuzz test: names, references, digests,
// Range and Content-Range values, upload chunk orders, JSON bodies and
// headers, drawn from a seeded PRNG so that a failing run can be replayed
// (FUZZ_SEED). Every file name an attack could make regcache create contains
// MARKER, so the test can look for it outside the storage path.
import { createHash } from "node:crypto";

/** mulberry32: small, fast, and the same sequence on every runtime. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const MARKER = "fzmark";

export interface Known {
  /** A cached repository path ("up/library/small") and what it holds upstream. */
  cachedRepo: string;
  cachedTag: string;
  cachedBlobs: string[];
  cachedManifest: string;
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
}

const sha = (b: Uint8Array | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

export class RequestGenerator {
  readonly #r: () => number;
  constructor(seed: number, private readonly known: Known) {
    this.#r = prng(seed);
  }

  int(n: number): number {
    return Math.floor(this.#r() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.#r() < p;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  text(n: number, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-._/:%@~!$&'()*+,;=[]{}\"\\ \t\u00e9\u4e2d"): string {
    let s = "";
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }

  localName(): string {
    return this.pick(["myorg/app", "myorg/app2", `myorg/${this.pick(["a", "b", "c"])}`, "ci/tool/x"]);
  }

  name(): string {
    return this.pick([
      () => this.localName(),
      () => this.known.cachedRepo,
      () => `up/library/${this.pick(["small", "missing", "a-b", "x"])}`,
      () => `up/${this.text(1 + this.int(12), "abc-._/")}`,
      () => `../../${MARKER}`,
      () => `myorg/%2e%2e/%2e%2e/${MARKER}`,
      () => `myorg/..%2f..%2f${MARKER}`,
      () => `MyOrg/${MARKER}`,
      () => `myorg//${MARKER}`,
      () => `myorg/${MARKER}/${"a".repeat(this.pick([10, 200, 300]))}`,
      () => this.text(1 + this.int(40)),
      () => encodeURIComponent(this.text(1 + this.int(20))),
      () => `myorg/${MARKER}%00x`,
      () => "_catalog",
      () => "",
    ])();
  }

  digest(): string {
    return this.pick([
      () => this.pick(this.known.cachedBlobs),
      () => this.known.cachedManifest,
      () => sha(this.text(8)),
      () => `sha256:${"a".repeat(this.pick([0, 63, 64, 65]))}`,
      () => `sha256:${"A".repeat(64)}`,
      () => `sha512:${"b".repeat(128)}`,
      () => `md5:${"c".repeat(32)}`,
      () => `sha256:../../${MARKER}`,
      () => `sha256:${"0".repeat(62)}%2f${MARKER}`,
      () => this.text(1 + this.int(70)),
    ])();
  }

  reference(): string {
    return this.pick([
      () => this.pick(["latest", "v1", this.known.cachedTag, "1.0", "_x"]),
      () => this.digest(),
      () => "t".repeat(this.pick([127, 128, 129, 300])),
      () => `../${MARKER}`,
      () => encodeURIComponent(this.text(1 + this.int(30))),
      () => "-bad",
    ])();
  }

  range(): string {
    return this.pick([
      () => `bytes=${this.int(5000)}-${this.int(5000)}`,
      () => `bytes=${this.int(100)}-`,
      () => `bytes=-${this.int(5000)}`,
      () => "bytes=5-2",
      () => "bytes=0-0,5-10",
      () => "bytes=-",
      () => `bytes=${"9".repeat(30)}-`,
      () => `items=0-1`,
      () => this.text(this.int(20)),
    ])();
  }

  contentRange(size: number): string {
    return this.pick([
      () => `0-${Math.max(0, size - 1)}`,
      () => `${this.int(100)}-${this.int(100)}`,
      () => `bytes ${this.int(100)}-${this.int(200)}/*`,
      () => `${"9".repeat(25)}-${"9".repeat(26)}`,
      () => "-1-5",
      () => this.text(this.int(15)),
    ])();
  }

  /** JSON that is almost a manifest, or not at all. */
  manifestBody(): Uint8Array {
    const desc = () => this.pick([
      { mediaType: "application/octet-stream", digest: this.digest(), size: this.int(1000) },
      { mediaType: 5, digest: null, size: -1 },
      { mediaType: "x", digest: this.digest(), size: 1e300 },
      "string",
      [],
    ]);
    const doc = this.pick<() => unknown>([
      () => ({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: desc(), layers: [desc(), desc()] }),
      () => ({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [desc()] }),
      () => ({ schemaVersion: 2, config: desc(), subject: desc(), annotations: { [this.text(5)]: this.text(5) } }),
      () => ({ schemaVersion: this.pick([1, "2", null, 2.5]) }),
      () => this.pick([null, 1, "x", [], true]),
    ])();
    const text = this.chance(0.1)
      ? `${"[".repeat(60 + this.int(10))}${"]".repeat(60 + this.int(10))}`
      : this.chance(0.05)
        ? JSON.stringify(doc).slice(0, this.int(40))
        : JSON.stringify(doc);
    return new TextEncoder().encode(text);
  }

  headers(): Record<string, string> {
    const h: Record<string, string> = {};
    if (this.chance(0.3)) h.accept = this.pick(["*/*", "application/vnd.oci.image.manifest.v1+json", this.text(20, "abc/;=,+ ")]);
    if (this.chance(0.2)) h["content-type"] = this.pick(["application/json", "application/vnd.oci.image.manifest.v1+json", "text/plain", this.text(10, "abc/;= ")]);
    if (this.chance(0.1)) h.authorization = this.pick(["Bearer x", "bearer", "Basic !!!", this.text(30, "abcABC =:")]);
    if (this.chance(0.1)) h["x-forwarded-for"] = this.pick(["127.0.0.1", "203.0.113.1, 127.0.0.1", "nonsense"]);
    if (this.chance(0.05)) h.origin = this.pick(["http://evil.example", "null"]);
    if (this.chance(0.05)) h["transfer-encoding"] = "identity";
    return h;
  }

  /** One request; uploads come as sequences (`session`). */
  request(): FuzzRequest {
    const method = this.pick(["GET", "GET", "GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS"]);
    const headers = this.headers();
    const kind = this.int(10);
    if (kind < 3) {
      if (this.chance(0.4)) headers.range = this.range();
      return { method: this.pick(["GET", "HEAD", method]), path: `/v2/${this.name()}/blobs/${this.digest()}`, headers };
    }
    if (kind < 6) {
      const body = method === "PUT" ? this.manifestBody() : undefined;
      if (body && this.chance(0.8)) headers["content-type"] = this.pick(["application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json", "application/json"]);
      return { method, path: `/v2/${this.name()}/manifests/${this.reference()}`, headers, body };
    }
    if (kind < 7) {
      const q = this.pick(["", `?n=${this.pick([0, 1, 5, -1, 1e9, "x"])}`, `?last=${encodeURIComponent(this.reference())}`, `?n=2&last=a`]);
      return { method, path: this.pick([`/v2/${this.name()}/tags/list${q}`, `/v2/_catalog${q}`]), headers };
    }
    if (kind < 8) return { method, path: `/v2/${this.name()}/referrers/${this.digest()}${this.pick(["", "?artifactType=x"])}`, headers };
    if (kind < 9) {
      const q = this.pick(["", `?digest=${this.digest()}`, `?mount=${this.digest()}&from=${this.name()}`, `?mount=${this.digest()}`]);
      return { method: this.pick(["POST", method]), path: `/v2/${this.name()}/blobs/uploads/${q}`, headers, body: this.chance(0.5) ? this.bytes(this.int(2000)) : undefined };
    }
    const admin = this.pick([
      "/api/v1/prefetch/queue",
      "/api/v1/prefetch/images",
      `/api/v1/organization/${this.pick(["myorg", "up", MARKER])}/immutabilitypolicy/`,
      `/api/v1/repository/${this.name()}/tag/?limit=${this.int(5)}`,
      `/api/v1/${this.text(8, "abc/")}`,
      "/metrics",
      "/healthz",
    ]);
    const body = method === "POST" || method === "PUT" ? new TextEncoder().encode(this.pick([`{"tagPattern":"${this.text(5, "a.*^$(")}"}`, "{", "[]", `{"refs":["${this.name()}:v1"]}`])) : undefined;
    return { method, path: admin, headers, body };
  }

  /** A chunked upload in a random chunk order, with random ranges; yields each step. */
  *uploadSession(location: string): Generator<FuzzRequest> {
    const blob = this.bytes(1 + this.int(3000));
    const cuts = [0, this.int(blob.length), this.int(blob.length), blob.length].sort((a, b) => a - b);
    const chunks = [0, 1, 2].map((i) => ({ start: cuts[i]!, end: cuts[i + 1]! })).filter((c) => c.end > c.start);
    if (this.chance(0.3)) chunks.reverse();
    for (const c of chunks) {
      const honest = this.chance(0.7);
      const headers: Record<string, string> = { "content-type": "application/octet-stream", "content-range": honest ? `${c.start}-${c.end - 1}` : this.contentRange(c.end - c.start) };
      yield { method: this.pick(["PATCH", "PATCH", "PATCH", "PUT"]), path: location, headers, body: blob.subarray(c.start, c.end) };
    }
    yield { method: this.pick(["GET", "PUT", "PUT", "DELETE"]), path: `${location}${location.includes("?") ? "&" : "?"}digest=${this.chance(0.7) ? sha(blob) : this.digest()}`, headers: {} };
  }
}
