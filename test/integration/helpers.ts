// Shared steps of the integration tests: upload blobs, push manifests, read
// OCI error bodies, and snapshot what the store holds (for "nothing changed").
import { expect } from "vitest";
import { digestOf } from "../../src/oci/digest.ts";
import { OCI_EMPTY_JSON, OCI_INDEX, OCI_MANIFEST } from "../../src/oci/media-types.ts";
import type { Harness } from "./harness.ts";

export const OCTET = { "Content-Type": "application/octet-stream" };

export function bytes(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text);
}

/** `n` pseudo-random bytes, different for each seed, the same on every run. */
export function randomBytes(n: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 16;
  }
  return out;
}

export interface BlobData {
  digest: string;
  size: number;
  content: Uint8Array<ArrayBuffer>;
  mediaType: string;
}

export function blobOf(content: Uint8Array<ArrayBuffer> | string, mediaType = "application/vnd.oci.image.layer.v1.tar"): BlobData {
  const b = typeof content === "string" ? bytes(content) : content;
  return { digest: digestOf(b), size: b.byteLength, content: b, mediaType };
}

export const descriptor = (b: { digest: string; size: number; mediaType: string }) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size });

/** The empty JSON blob `{}` that artifacts use as config. */
export const emptyJson = blobOf("{}", OCI_EMPTY_JSON);

/** POST, then PUT ?digest= with the whole body: the two-step monolithic upload. */
export async function uploadBlob(h: Harness, name: string, blob: BlobData): Promise<Response> {
  const start = await h.request(`/v2/${name}/blobs/uploads/`, { method: "POST" });
  expect(start.status).toBe(202);
  const location = start.headers.get("location")!;
  const put = await h.request(`${location}?digest=${blob.digest}`, { method: "PUT", headers: OCTET, body: blob.content });
  expect(put.status).toBe(201);
  return put;
}

export async function uploadBlobs(h: Harness, name: string, ...blobs: BlobData[]): Promise<void> {
  for (const b of blobs) await uploadBlob(h, name, b);
}

export interface Manifest {
  digest: string;
  size: number;
  content: Uint8Array<ArrayBuffer>;
  mediaType: string;
}

/** Serialises a manifest document once, so that its digest is fixed. */
export function manifestOf(doc: Record<string, unknown>, mediaType = (doc.mediaType as string | undefined) ?? OCI_MANIFEST): Manifest {
  const content = bytes(JSON.stringify(doc, null, 2));
  return { digest: digestOf(content), size: content.byteLength, content, mediaType };
}

export function imageManifest(config: BlobData, layers: BlobData[], extra: Record<string, unknown> = {}): Manifest {
  return manifestOf({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(config), layers: layers.map(descriptor), ...extra });
}

export function indexManifest(children: Manifest[], extra: Record<string, unknown> = {}): Manifest {
  return manifestOf({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: children.map(descriptor), ...extra });
}

export async function putManifest(h: Harness, name: string, reference: string, m: Manifest, contentType = m.mediaType): Promise<Response> {
  return h.request(`/v2/${name}/manifests/${reference}`, { method: "PUT", headers: { "Content-Type": contentType }, body: m.content });
}

export async function pushManifest(h: Harness, name: string, reference: string, m: Manifest): Promise<Response> {
  const r = await putManifest(h, name, reference, m);
  expect(r.status, await r.clone().text()).toBe(201);
  return r;
}

/** A config and `layerCount` layers uploaded, and a manifest pushed under `tag`. */
export async function pushImage(h: Harness, name: string, tag: string, seed = 1, layerCount = 1): Promise<{ manifest: Manifest; config: BlobData; layers: BlobData[] }> {
  const config = blobOf(JSON.stringify({ architecture: "amd64", os: "linux", seed }), "application/vnd.oci.image.config.v1+json");
  const layers = Array.from({ length: layerCount }, (_, i) => blobOf(randomBytes(512 + i, seed * 100 + i)));
  await uploadBlobs(h, name, config, ...layers);
  const manifest = imageManifest(config, layers);
  await pushManifest(h, name, tag, manifest);
  return { manifest, config, layers };
}

/** The first OCI error code of an error response (undefined for an empty body). */
export async function errorCode(r: Response): Promise<string | undefined> {
  const text = await r.text();
  if (text === "") return undefined;
  const body = JSON.parse(text) as { errors: { code: string }[] };
  return body.errors[0]?.code;
}

/** Asserts status and OCI error code in one go. */
export async function expectError(r: Response, status: number, code: string): Promise<void> {
  expect(r.status).toBe(status);
  expect(r.headers.get("content-type")).toContain("application/json");
  expect(await errorCode(r)).toBe(code);
}

export async function listTags(h: Harness, name: string, query = ""): Promise<{ status: number; tags: string[]; link: string | null }> {
  const r = await h.request(`/v2/${name}/tags/list${query}`);
  const body = r.status === 200 ? ((await r.json()) as { tags: string[] }) : { tags: [] };
  return { status: r.status, tags: body.tags, link: r.headers.get("link") };
}

export interface StoreSnapshot {
  digests: string[];
  catalog: string[];
  uploads: string[];
}

/** What a client or an operator could see of the store: blob files, repositories, pending uploads. */
export async function snapshot(h: Harness): Promise<StoreSnapshot> {
  const catalog = (await (await h.request("/v2/_catalog")).json()) as { repositories: string[] };
  const { readdir } = await import("node:fs/promises");
  return { digests: (await h.store.listDigests()).sort(), catalog: catalog.repositories, uploads: (await readdir(h.store.paths.uploads)).sort() };
}

/** A request body that delivers `first` and then fails, like a client that vanished mid-upload. */
export function brokenStream(first: Uint8Array): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(first);
      } else {
        controller.error(new Error("client went away"));
      }
    },
  });
}
