// Content discovery: tags list and catalog with n/last pagination and Link,
// and the referrers API with the artifactType filter (distribution-spec
// "Content Discovery" category).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { OCI_EMPTY_JSON, OCI_INDEX, OCI_MANIFEST } from "../../src/oci/media-types.ts";
import { harnessOf, type HarnessKind } from "./cached-harness.ts";
import { createHarness, type Harness } from "./harness.ts";
import { blobOf, descriptor, emptyJson, expectError, imageManifest, indexManifest, listTags, type Manifest, pushImage, pushManifest, uploadBlobs } from "./helpers.ts";

const NAME = "conformance/discovery";
const TYPE_A = "application/vnd.nhl.peanut.butter.bagel";
const TYPE_B = "application/vnd.nba.strawberry.jam.croissant";
const TYPE_INDEX = "application/vnd.food.stand";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

// Tag lists are reads: they run on a local repository and on a cached one of an upstream
// holding the same tags (names and links then carry the upstream's prefix).
describe.each(["local", "cached"] as HarnessKind[])("tags list, %s repository", (kind) => {
  let h: Harness;
  const listed = kind === "local" ? NAME : `up/${NAME}`;
  afterAll(() => h.close());
  beforeAll(async () => {
    h = await harnessOf(kind);
    const { manifest } = await pushImage(h, NAME, "test0", 1);
    for (const tag of ["test1", "test2", "test3"]) await pushManifest(h, NAME, tag, manifest);
  });

  test("lists every tag, in lexical order, with the repository name", async () => {
    const r = await h.request(`/v2/${NAME}/tags/list`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ name: listed, tags: ["test0", "test1", "test2", "test3"] });
    expect(r.headers.get("link")).toBeNull();
  });

  test("n limits the page and Link points at the next one", async () => {
    const page = await listTags(h, NAME, "?n=2");
    expect(page.tags).toEqual(["test0", "test1"]);
    expect(page.link).toBe(`</v2/${listed}/tags/list?n=2&last=test1>; rel="next"`);
    const next = await listTags(h, NAME, page.link!.slice(page.link!.indexOf("?"), page.link!.indexOf(">")));
    expect(next.tags).toEqual(["test2", "test3"]);
    // The last page says so by carrying no Link, even when it is exactly full.
    expect(next.link).toBeNull();
  });

  test("last starts after the given tag, with or without n", async () => {
    expect((await listTags(h, NAME, "?n=2&last=test1")).tags).toEqual(["test2", "test3"]);
    expect((await listTags(h, NAME, "?last=test2")).tags).toEqual(["test3"]);
    expect((await listTags(h, NAME, "?last=test3")).tags).toEqual([]);
  });

  test("n=0 is an empty page; a repository never pushed to is NAME_UNKNOWN", async () => {
    expect((await listTags(h, NAME, "?n=0")).tags).toEqual([]);
    await expectError(await h.request("/v2/conformance/unknown/tags/list"), 404, "NAME_UNKNOWN");
  });

  test("an n that is not a number is refused with 400", async () => {
    expect((await h.request(`/v2/${NAME}/tags/list?n=lots`)).status).toBe(400);
  });
});

describe("catalog", () => {
  beforeAll(async () => {
    for (const name of ["catalog/a", "catalog/b", "catalog/c"]) await pushImage(h, name, "v1", 2);
  });

  test("n/last paginate the repositories, with Link while more remain", async () => {
    const all = ((await (await h.request("/v2/_catalog")).json()) as { repositories: string[] }).repositories;
    expect(all).toEqual([...all].sort());
    expect(all).toEqual(expect.arrayContaining(["catalog/a", "catalog/b", "catalog/c"]));

    const first = await h.request("/v2/_catalog?n=2");
    expect(((await first.json()) as { repositories: string[] }).repositories).toEqual(all.slice(0, 2));
    expect(first.headers.get("link")).toBe(`</v2/_catalog?n=2&last=${encodeURIComponent(all[1]!)}>; rel="next"`);

    const rest = await h.request(`/v2/_catalog?n=${all.length}&last=${all[1]}`);
    expect(((await rest.json()) as { repositories: string[] }).repositories).toEqual(all.slice(2));
    expect(rest.headers.get("link")).toBeNull();
  });
});

describe("referrers", () => {
  const refBlobA = blobOf("NHL Peanut Butter on my NHL bagel", TYPE_A);
  const refBlobB = blobOf("NBA Strawberry Jam on my NBA croissant", TYPE_B);
  const annotate = (value: string) => ({ annotations: { "org.opencontainers.conformance.test": value } });
  let subject: Manifest;
  let referrers: Manifest[];
  let dangling: Manifest;
  let missingSubject: Manifest;

  beforeAll(async () => {
    await uploadBlobs(h, NAME, emptyJson, refBlobA, refBlobB);
    const config = blobOf(JSON.stringify({ os: "linux", seed: 4 }), "application/vnd.oci.image.config.v1+json");
    const layer = blobOf("subject layer");
    await uploadBlobs(h, NAME, config, layer);
    subject = imageManifest(config, [layer]);
    missingSubject = imageManifest(config, [blobOf("never pushed")]);
    const about = (m: Manifest) => ({ subject: descriptor(m) });

    const configA = imageManifest(refBlobA, [emptyJson], { ...about(subject), ...annotate("test config a") });
    const layerA = imageManifest(emptyJson, [refBlobA], { artifactType: TYPE_A, ...about(subject), ...annotate("test layer a") });
    const configB = imageManifest(refBlobB, [emptyJson], { ...about(subject), ...annotate("test config b") });
    const layerB = imageManifest(emptyJson, [refBlobB], { artifactType: TYPE_B, ...about(subject), ...annotate("test layer b") });
    // Referrers A and the index are pushed before their subject exists; B after it.
    for (const m of [configA, layerA]) await pushManifest(h, NAME, m.digest, m);
    const index = indexManifest([configA, layerA], { artifactType: TYPE_INDEX, ...about(subject), ...annotate("test index") });
    await pushManifest(h, NAME, index.digest, index);
    await pushManifest(h, NAME, "tagtest0", subject);
    for (const m of [configB, layerB]) await pushManifest(h, NAME, m.digest, m);
    dangling = imageManifest(emptyJson, [refBlobB], { artifactType: TYPE_B, ...about(missingSubject) });
    await pushManifest(h, NAME, dangling.digest, dangling);
    referrers = [configA, layerA, index, configB, layerB];
  });

  const getReferrers = async (digest: string, query = "") => {
    const r = await h.request(`/v2/${NAME}/referrers/${digest}${query}`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe(OCI_INDEX);
    const body = (await r.json()) as { schemaVersion: number; mediaType: string; manifests: { digest: string; artifactType?: string; mediaType: string; size: number; annotations?: Record<string, string> }[] };
    expect(body.schemaVersion).toBe(2);
    expect(body.mediaType).toBe(OCI_INDEX);
    return { body, filters: r.headers.get("oci-filters-applied") };
  };

  test("a subject nobody refers to: 200 and an empty index", async () => {
    const { body } = await getReferrers(blobOf("hello world").digest);
    expect(body.manifests).toEqual([]);
  });

  test("all five referrers, each with its size, type and annotations", async () => {
    const { body, filters } = await getReferrers(subject.digest);
    expect(filters).toBeNull();
    expect(body.manifests.map((m) => m.digest).sort()).toEqual(referrers.map((m) => m.digest).sort());
    for (const d of body.manifests) {
      const pushed = referrers.find((m) => m.digest === d.digest)!;
      expect(d.size).toBe(pushed.size);
      expect(d.mediaType).toBe(pushed.mediaType);
      expect(Object.keys(d.annotations ?? {})).toEqual(["org.opencontainers.conformance.test"]);
    }
    const types = Object.fromEntries(body.manifests.map((m) => [m.digest, m.artifactType]));
    expect(types[referrers[0]!.digest]).toBe(TYPE_A); // config media type stands in for artifactType
    expect(types[referrers[1]!.digest]).toBe(TYPE_A);
    expect(types[referrers[2]!.digest]).toBe(TYPE_INDEX);
  });

  test("artifactType filter: only matching referrers, and OCI-Filters-Applied says so", async () => {
    const { body, filters } = await getReferrers(subject.digest, `?artifactType=${encodeURIComponent(TYPE_A)}`);
    expect(filters).toBe("artifactType");
    expect(body.manifests.map((m) => m.digest).sort()).toEqual([referrers[0]!.digest, referrers[1]!.digest].sort());
  });

  test("a dangling subject lists its referrer", async () => {
    const { body } = await getReferrers(missingSubject.digest);
    expect(body.manifests.map((m) => m.digest)).toEqual([dangling.digest]);
  });

  test("an artifact with the empty config and no artifactType is listed with the config media type", async () => {
    const plain = imageManifest(emptyJson, [refBlobA], { subject: descriptor(missingSubject) });
    await pushManifest(h, NAME, plain.digest, plain);
    const { body } = await getReferrers(missingSubject.digest);
    expect(body.manifests.find((m) => m.digest === plain.digest)?.artifactType).toBe(OCI_EMPTY_JSON);
    expect(body.manifests.find((m) => m.digest === plain.digest)?.mediaType).toBe(OCI_MANIFEST);
  });

  test("a deleted referrer disappears from the list", async () => {
    const gone = referrers[3]!;
    expect((await h.request(`/v2/${NAME}/manifests/${gone.digest}`, { method: "DELETE" })).status).toBe(202);
    const { body } = await getReferrers(subject.digest);
    expect(body.manifests.map((m) => m.digest)).not.toContain(gone.digest);
    expect(body.manifests).toHaveLength(4);
  });

  test("a malformed subject digest: 400 DIGEST_INVALID", async () => {
    await expectError(await h.request(`/v2/${NAME}/referrers/sha256:nope`), 400, "DIGEST_INVALID");
  });
});
