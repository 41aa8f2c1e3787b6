// The blob side of the pull-through core, in process with a fake upstream:
// single-flight downloads and their joiners, the last byte held back until the
// digest matched, downloads kept apart per upstream, and reads that write nothing.
import { afterEach, describe, expect, test } from "vitest";
import { bytesOf, cacheKit, type CacheKit } from "../../test/helpers/cache-kit.ts";
import { sha256 } from "../../test/helpers/fake-upstream-client.ts";

let kit: CacheKit;
afterEach(async () => kit?.close());

/** A body the test writes: `push` bytes, then `end()`. */
function controlled() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return { body, push: (b: Uint8Array) => controller.enqueue(b), end: () => controller.close() };
}

/** Reads until `n` bytes arrived; returns them and the reader (still open). */
async function readAtLeast(body: ReadableStream<Uint8Array>, n: number) {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let got = 0;
  while (got < n) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    got += value.byteLength;
  }
  return { reader, got };
}

/** Lets the event loop run a while (several macrotask turns) without timing anything. */
async function settle(turns = 20) {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

describe("single-flight downloads", () => {
  test("10 clients asking for one cold blob at once: one upstream GET, 10 identical verified bodies", async () => {
    kit = await cacheKit();
    const hub = kit.upstream();
    const image = hub.image("team/app", "v1", 300_000);
    let release!: () => void;
    hub.hold = new Promise((r) => (release = r));
    const reads = Array.from({ length: 10 }, () => kit.repo("hub/team/app").getBlob(image.layer.digest, { head: false, range: false }));
    release();
    const bodies = await Promise.all((await Promise.all(reads)).map((r) => (r.kind === "stream" ? bytesOf(r.body) : Promise.reject(new Error("expected a stream")))));
    expect(hub.count("blob")).toBe(1);
    for (const b of bodies) expect(sha256(b)).toBe(image.layer.digest);
    // Clients get the last byte once verified, before the fsync; the store has it once that is done.
    await kit.pt.blobs.fetch(kit.target("hub/team/app"), image.layer.digest);
    expect((await kit.repo("hub/team/app").getBlob(image.layer.digest, { head: false, range: false })).kind).toBe("file");
  });

  test("a prefetch fetch joins the client's download instead of starting another", async () => {
    kit = await cacheKit();
    const hub = kit.upstream();
    const image = hub.image("team/app", "v1");
    const w = controlled();
    hub.blobBody = () => ({ body: w.body, size: image.layer.bytes.byteLength });
    const client = await kit.repo("hub/team/app").getBlob(image.layer.digest, { head: false, range: false });
    const joined = kit.pt.blobs.fetch(kit.target("hub/team/app"), image.layer.digest);
    w.push(image.layer.bytes);
    w.end();
    expect(await joined).toEqual({ size: image.layer.bytes.byteLength, started: false });
    if (client.kind === "stream") await bytesOf(client.body);
    expect(hub.count("blob")).toBe(1);
  });
});

describe("the last byte waits for the digest check", () => {
  test("every byte written but the stream not ended: the client has all but the last", async () => {
    kit = await cacheKit();
    const hub = kit.upstream();
    const image = hub.image("team/app", "v1", 5_000);
    const size = image.layer.bytes.byteLength;
    const w = controlled();
    hub.blobBody = () => ({ body: w.body, size });
    const out = await kit.repo("hub/team/app").getBlob(image.layer.digest, { head: false, range: false });
    if (out.kind !== "stream") throw new Error("expected a stream");
    w.push(image.layer.bytes);
    const { reader, got } = await readAtLeast(out.body!, size - 1);
    expect(got).toBe(size - 1);
    expect(kit.pt.blobs.progress("hub", image.layer.digest)).toBe(size);
    let last: { done: boolean; value?: Uint8Array } | undefined;
    const next = reader.read().then((r) => (last = r));
    await settle();
    expect(last).toBeUndefined();
    w.end();
    await next;
    expect(last!.value!.byteLength).toBe(1);
    expect((await reader.read()).done).toBe(true);
  });

  test("wrong bytes of the right length: the client gets an error and never the last byte", async () => {
    kit = await cacheKit();
    const hub = kit.upstream();
    const image = hub.image("team/app", "v1", 5_000);
    const size = image.layer.bytes.byteLength;
    const wrong = image.layer.bytes.slice();
    wrong[10] = wrong[10]! ^ 0xff;
    const w = controlled();
    hub.blobBody = () => ({ body: w.body, size });
    const out = await kit.repo("hub/team/app").getBlob(image.layer.digest, { head: false, range: false });
    if (out.kind !== "stream") throw new Error("expected a stream");
    w.push(wrong);
    const { reader, got } = await readAtLeast(out.body!, size - 1);
    expect(got).toBe(size - 1);
    w.end();
    await expect(reader.read()).rejects.toThrow(/digest/);
    expect(await kit.store.size(image.layer.digest)).toBeUndefined();
    expect(kit.count("blobs")).toBe(0);
  });
});

describe("downloads are kept apart per upstream", () => {
  test("a client of upstream A never joins hostile upstream B's download of the same digest", async () => {
    kit = await cacheKit({ upstreams: ["good", "evil"] });
    const good = kit.upstream("good");
    const evil = kit.upstream("evil");
    const image = good.image("team/app", "v1", 5_000);
    const size = image.layer.bytes.byteLength;
    const w = controlled();
    evil.blobBody = () => ({ body: w.body, size });
    const fromEvil = await kit.repo("evil/team/app").getBlob(image.layer.digest, { head: false, range: false });
    w.push(new Uint8Array(size - 1).fill(0x41)); // B's wrong bytes, still arriving
    const fromGood = await kit.repo("good/team/app").getBlob(image.layer.digest, { head: false, range: false });
    if (fromGood.kind !== "stream" || fromEvil.kind !== "stream") throw new Error("expected streams");
    expect(sha256(await bytesOf(fromGood.body))).toBe(image.layer.digest);
    expect(good.count("blob")).toBe(1);
    w.push(new Uint8Array(1));
    w.end();
    await expect(bytesOf(fromEvil.body)).rejects.toThrow();
  });
});

describe("reads write nothing", () => {
  test("GET and HEAD of a blob and a manifest the upstream does not have leave no row", async () => {
    kit = await cacheKit();
    const missing = `sha256:${"a".repeat(64)}`;
    const repo = kit.repo("hub/nobody/here");
    await expect(repo.getBlob(missing, { head: true, range: false })).rejects.toMatchObject({ name: "BlobUnknown" });
    await expect(repo.getBlob(missing, { head: false, range: false })).rejects.toMatchObject({ name: "BlobUnknown" });
    await expect(repo.getManifest("latest")).rejects.toMatchObject({ failure: "http-404" });
    await expect(repo.getManifest(missing)).rejects.toMatchObject({ failure: "http-404" });
    for (const table of ["repositories", "repository_blobs", "blobs", "manifests", "tags"]) expect(kit.count(table)).toBe(0);
  });

  test("a cached blob served to another repository of the same upstream goes through that upstream first", async () => {
    kit = await cacheKit();
    const hub = kit.upstream();
    const image = hub.image("team/app", "v1");
    const first = await kit.repo("hub/team/app").getBlob(image.layer.digest, { head: false, range: false });
    if (first.kind === "stream") await bytesOf(first.body);
    await kit.pt.blobs.fetch(kit.target("hub/team/app"), image.layer.digest);
    hub.calls.length = 0;
    await expect(kit.repo("hub/other/repo").getBlob(image.layer.digest, { head: false, range: false })).resolves.toMatchObject({ digest: image.layer.digest });
    expect(hub.count("blob")).toBe(1);
  });
});
