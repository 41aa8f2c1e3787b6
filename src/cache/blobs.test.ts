// The blob side of the pull-through core, in process with a fake upstream:
// single-flight downloads and their joiners, the last byte held back until the
// digest matched, downloads kept apart per upstream, and reads that write nothing.
import { afterEach, describe, expect, test } from "vitest";
import { bytesOf, cacheKit, type CacheKit } from "../../test/helpers/cache-kit.ts";
import { sha256 } from "../../test/helpers/fake-upstream-client.ts";
import { UpstreamError } from "../upstream/index.ts";

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

describe("the bytes of a chunk come back from the writer only while somebody reads the download", () => {
  /** Records the `keep` of every chunk written (the event loop's sink underneath). */
  function recordKeeps(k: CacheKit): boolean[] {
    const keeps: boolean[] = [];
    const open = k.store.sinks;
    k.store.sinks = (path, algorithm, position) => {
      const sink = open(path, algorithm, position);
      return { ...sink, write: (chunk, keep) => (keeps.push(keep ?? true), sink.write(chunk, keep)) };
    };
    return keeps;
  }

  test("a download nobody reads (a prefetch) keeps no chunk; a client that has caught up gets each chunk kept", async () => {
    kit = await cacheKit();
    const keeps = recordKeeps(kit);
    const hub = kit.upstream();
    const image = hub.image("team/app", "v1", 30_000);
    const bytes = image.layer.bytes;
    let w = controlled();
    hub.blobBody = () => ({ body: w.body, size: bytes.byteLength });
    const fetched = kit.pt.blobs.fetch(kit.target("hub/team/app"), image.layer.digest);
    for (let at = 0; at < bytes.byteLength; at += 10_000) {
      w.push(bytes.subarray(at, at + 10_000));
      await settle();
    }
    w.end();
    await fetched;
    expect(keeps).toEqual([false, false, false]);

    const other = hub.image("team/app", "v2", 30_000);
    keeps.length = 0;
    w = controlled();
    hub.blobBody = () => ({ body: w.body, size: other.layer.bytes.byteLength });
    const out = await kit.repo("hub/team/app").getBlob(other.layer.digest, { head: false, range: false });
    if (out.kind !== "stream") throw new Error("expected a stream");
    // The client's first read opens the temporary file (real I/O, of no bounded length), so
    // whether it waits when the first chunk goes out is a race; once it has had that chunk,
    // its next read waits for the next one with nothing in between.
    const reader = out.body!.getReader();
    const received: Uint8Array[] = [];
    const first = reader.read();
    w.push(other.layer.bytes.subarray(0, 10_000));
    received.push((await first).value!);
    for (let at = 10_000; at < other.layer.bytes.byteLength; at += 10_000) {
      const next = reader.read();
      await settle();
      w.push(other.layer.bytes.subarray(at, at + 10_000));
      if (at + 10_000 >= other.layer.bytes.byteLength) w.end();
      received.push((await next).value!);
    }
    for (let r = await reader.read(); !r.done; r = await reader.read()) received.push(r.value);
    expect(sha256(Buffer.concat(received))).toBe(other.layer.digest);
    expect(keeps).toHaveLength(3);
    expect(keeps.slice(1)).toEqual([true, true]);
  });

  test("chunks are kept while any client reads, busy or waiting, and no more once the last one left", async () => {
    kit = await cacheKit();
    const keeps = recordKeeps(kit);
    const hub = kit.upstream();
    const image = hub.image("team/app", "v1", 60_000);
    const bytes = image.layer.bytes;
    const w = controlled();
    hub.blobBody = () => ({ body: w.body, size: bytes.byteLength });
    const getBody = async () => {
      const out = await kit.repo("hub/team/app").getBlob(image.layer.digest, { head: false, range: false });
      if (out.kind !== "stream") throw new Error("expected a stream");
      return out.body!.getReader();
    };
    const [a, b] = [await getBody(), await getBody()];
    const firstA = a.read();
    const firstB = b.read();
    w.push(bytes.subarray(0, 10_000));
    await Promise.all([firstA, firstB]);
    // Each chunk's keep is decided when it goes to the writer, after the write before it
    // (real file I/O): wait for that decision, not for a number of turns.
    const decided = async (n: number) => {
      while (keeps.length < n) await new Promise((r) => setTimeout(r, 5));
    };
    // Neither reads now (as when both are busy sending): they still count.
    w.push(bytes.subarray(10_000, 20_000));
    await decided(2);
    await a.cancel();
    w.push(bytes.subarray(20_000, 30_000));
    await decided(3);
    await b.cancel();
    for (let at = 30_000; at < bytes.byteLength; at += 10_000) {
      w.push(bytes.subarray(at, at + 10_000));
      await settle();
    }
    w.end();
    await kit.pt.blobs.fetch(kit.target("hub/team/app"), image.layer.digest);
    expect(keeps).toHaveLength(6);
    expect(keeps.slice(1)).toEqual([true, true, false, false, false]);
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
    const other = await kit.repo("hub/other/repo").getBlob(image.layer.digest, { head: false, range: false });
    expect(other).toMatchObject({ digest: image.layer.digest });
    if (other.kind === "stream") await bytesOf(other.body);
    expect(hub.count("blob")).toBe(1);
  });
});

describe("bounded downloads", () => {
  test("an endless body for a blob whose manifest gives its size: stopped just past it, nothing kept, invalid-response", async () => {
    kit = await cacheKit();
    const hub = kit.upstream();
    const image = hub.image("team/app", "v1", 3_000);
    await kit.repo("hub/team/app").getManifest("v1"); // the descriptor's size is known from here on
    let sent = 0;
    hub.blobBody = () => ({
      // No Content-Length, and never an end: only the descriptor's size can stop it.
      body: new ReadableStream<Uint8Array>({
        pull(c) {
          sent += 1024;
          c.enqueue(new Uint8Array(1024));
        },
      }),
    });
    const out = await kit.repo("hub/team/app").getBlob(image.layer.digest, { head: false, range: false });
    if (out.kind !== "stream") throw new Error("expected a stream");
    expect(out.size).toBe(image.layer.bytes.byteLength);
    await expect(bytesOf(out.body)).rejects.toThrow();
    await expect(kit.pt.blobs.fetch(kit.target("hub/team/app"), image.layer.digest)).rejects.toThrow();
    expect(sent).toBeLessThan(image.layer.bytes.byteLength + 64 * 1024);
    expect(kit.count("blobs")).toBe(0);
    expect(kit.logs.some((l) => l.msg === "upstream sent corrupt blob; nothing cached" && l.upstream_failure === "invalid-response")).toBe(true);
  });

  test("a Content-Length that disagrees with the descriptor: refused before the body is read (502 class)", async () => {
    kit = await cacheKit();
    const hub = kit.upstream();
    const image = hub.image("team/app", "v1", 3_000);
    await kit.repo("hub/team/app").getManifest("v1");
    let pulled = 0;
    hub.blobBody = () => ({ size: 10_000_000, body: new ReadableStream<Uint8Array>({ pull: (c) => void (pulled++, c.enqueue(new Uint8Array(1024))) }) });
    await expect(kit.repo("hub/team/app").getBlob(image.layer.digest, { head: false, range: false })).rejects.toMatchObject({ name: "UpstreamError", failure: "invalid-response" });
    expect(pulled).toBeLessThanOrEqual(1); // a stream may pull once on creation; nothing is written
    expect(kit.count("blobs")).toBe(0);
  });

  test("without any size: storage.max_blob_size stops it", async () => {
    kit = await cacheKit({ storageToml: `max_blob_size = "1MiB"` });
    const digest = `sha256:${"b".repeat(64)}`;
    let sent = 0;
    kit.upstream().blobBody = () => ({ body: new ReadableStream<Uint8Array>({ pull: (c) => void ((sent += 65536), c.enqueue(new Uint8Array(65536))) }) });
    const out = await kit.repo("hub/team/app").getBlob(digest, { head: false, range: false });
    if (out.kind !== "stream") throw new Error("expected a stream");
    expect(out.size).toBeUndefined();
    await expect(bytesOf(out.body)).rejects.toThrow();
    expect(sent).toBeLessThanOrEqual(1024 * 1024 + 2 * 65536);
  });

  test("without Content-Length, the last byte still waits for the digest check", async () => {
    kit = await cacheKit();
    const hub = kit.upstream();
    const image = hub.image("team/app", "v1", 5_000);
    const size = image.layer.bytes.byteLength;
    const w = controlled();
    hub.blobBody = () => ({ body: w.body }); // no size, and no manifest stored: nothing says where it ends
    const out = await kit.repo("hub/team/app").getBlob(image.layer.digest, { head: false, range: false });
    if (out.kind !== "stream") throw new Error("expected a stream");
    const wrong = image.layer.bytes.slice();
    wrong[0] = wrong[0]! ^ 1;
    w.push(wrong);
    const { reader, got } = await readAtLeast(out.body!, size - 1);
    expect(got).toBe(size - 1);
    w.end();
    await expect(reader.read()).rejects.toThrow(/digest/);
  });
});

describe("HEAD of a cold blob", () => {
  test("answered from one upstream HEAD: the size, no download", async () => {
    kit = await cacheKit();
    const hub = kit.upstream();
    const image = hub.image("team/app", "v1", 200_000);
    const out = await kit.repo("hub/team/app").getBlob(image.layer.digest, { head: true, range: false });
    expect(out).toMatchObject({ kind: "stream", size: image.layer.bytes.byteLength, body: null, cache: "MISS" });
    expect(hub.calls.map((c) => `${c.method} ${c.kind}`)).toEqual(["HEAD blob"]);
    expect(kit.pt.blobs.progress("hub", image.layer.digest)).toBeUndefined();
  });
});

describe("joining a download started for another repository", () => {
  test("the upstream is asked first; a repository it refuses gets BLOB_UNKNOWN and no bytes", async () => {
    kit = await cacheKit();
    const hub = kit.upstream();
    const image = hub.image("team/app", "v1", 5_000);
    const w = controlled();
    hub.blobBody = () => ({ body: w.body, size: image.layer.bytes.byteLength });
    const first = await kit.repo("hub/team/app").getBlob(image.layer.digest, { head: false, range: false });
    w.push(image.layer.bytes.subarray(0, 100));
    // The fake's HEAD finds the blob in any repository; make it refuse this one.
    const original = hub.blobSize.bind(hub);
    hub.blobSize = async (repo, digest) => (repo === "private/thing" ? Promise.reject(new UpstreamError("hub", "http-404", "not yours")) : original(repo, digest));
    await expect(kit.repo("hub/private/thing").getBlob(image.layer.digest, { head: false, range: false })).rejects.toMatchObject({ name: "BlobUnknown" });
    const allowed = await kit.repo("hub/team/other").getBlob(image.layer.digest, { head: false, range: false });
    w.push(image.layer.bytes.subarray(100));
    w.end();
    if (first.kind !== "stream" || allowed.kind !== "stream") throw new Error("expected streams");
    expect(sha256(await bytesOf(allowed.body))).toBe(image.layer.digest);
    await bytesOf(first.body);
    expect(hub.count("blob", "GET")).toBe(1);
  });
});
