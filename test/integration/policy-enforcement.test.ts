// Enforcement in the registry: an immutable tag cannot be pointed elsewhere or
// deleted, with an OCI error that names the policy; the same digest can be
// pushed again; deactivating the policy lifts it; every refusal is logged.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPolicyHarness, makeManifest, putTag, type PolicyHarness } from "./policy-harness.ts";

let h: PolicyHarness;
const REPO = "acme/app";
let one: Awaited<ReturnType<typeof makeManifest>>;
let two: Awaited<ReturnType<typeof makeManifest>>;

async function ociError(r: Response): Promise<{ code: string; message: string; detail?: { policy?: string } }> {
  const body = (await r.json()) as { errors: { code: string; message: string; detail?: { policy?: string } }[] };
  return body.errors[0]!;
}

beforeAll(async () => {
  h = await createPolicyHarness();
  one = await makeManifest(h, REPO, "one");
  two = await makeManifest(h, REPO, "two");
  for (const tag of ["v1.0", "v1.1", "latest", "dev"]) expect((await putTag(h, REPO, tag, one)).status).toBe(201);
});
afterAll(() => h.close());

describe("a namespace policy protecting ^v.*", () => {
  let uuid: string;
  beforeAll(async () => {
    uuid = (await h.call("POST", "/organization/acme/immutabilitypolicy/", { tagPattern: "^v.*" })).body.uuid;
  });

  test("overwriting a protected tag with another digest: 409 DENIED naming the policy; the tag keeps its digest", async () => {
    const r = await putTag(h, REPO, "v1.0", two);
    expect(r.status).toBe(409);
    const e = await ociError(r);
    expect(e.code).toBe("DENIED");
    expect(e.message).toContain(`policy ${uuid}`);
    expect(e.message).toContain('"^v.*"');
    expect(e.detail?.policy).toBe(uuid);
    const get = await h.request(`/v2/${REPO}/manifests/v1.0`, { method: "HEAD" });
    expect(get.headers.get("docker-content-digest")).toBe(one.digest);
    expect(h.logs.find((l) => l.msg === "write refused: immutable tag" && l.tag === "v1.0")).toMatchObject({ policy: uuid, action: "overwrite", repository: REPO });
  });

  test("pushing the same digest again is allowed", async () => {
    expect((await putTag(h, REPO, "v1.0", one)).status).toBe(201);
  });

  test("a new matching tag can be created, and is protected from then on", async () => {
    expect((await putTag(h, REPO, "v2.0", two)).status).toBe(201);
    expect((await putTag(h, REPO, "v2.0", one)).status).toBe(409);
  });

  test("tags the policy does not match stay mutable", async () => {
    expect((await putTag(h, REPO, "latest", two)).status).toBe(201);
    expect((await putTag(h, REPO, "latest", one)).status).toBe(201);
  });

  test("DELETE of a protected tag, and of a manifest a protected tag points at, is refused", async () => {
    const byTag = await h.request(`/v2/${REPO}/manifests/v1.1`, { method: "DELETE" });
    expect(byTag.status).toBe(409);
    expect((await ociError(byTag)).message).toContain("cannot be deleted");
    const byDigest = await h.request(`/v2/${REPO}/manifests/${one.digest}`, { method: "DELETE" });
    expect(byDigest.status).toBe(409);
    expect((await h.request(`/v2/${REPO}/manifests/v1.1`, { method: "HEAD" })).status).toBe(200);
    expect(h.logs.some((l) => l.msg === "write refused: immutable tag" && l.action === "delete" && l.policy === uuid)).toBe(true);
  });

  test("DELETE of a blob that a protected tag's image uses is refused too", async () => {
    const manifest = JSON.parse(new TextDecoder().decode(one.bytes)) as { layers: { digest: string }[] };
    const layer = manifest.layers[0]!.digest;
    const r = await h.request(`/v2/${REPO}/blobs/${layer}`, { method: "DELETE" });
    expect(r.status).toBe(409);
    expect((await ociError(r)).detail?.policy).toBe(uuid);
    expect((await h.request(`/v2/${REPO}/blobs/${layer}`, { method: "HEAD" })).status).toBe(200);
  });

  test("deactivating the policy allows both again; activating it protects again", async () => {
    await h.call("PUT", `/organization/acme/immutabilitypolicy/${uuid}`, { active: false });
    expect((await putTag(h, REPO, "v1.1", two)).status).toBe(201);
    expect((await putTag(h, REPO, "v1.1", one)).status).toBe(201);
    await h.call("PUT", `/organization/acme/immutabilitypolicy/${uuid}`, { active: true });
    expect((await putTag(h, REPO, "v1.1", two)).status).toBe(409);
    await h.call("PUT", `/organization/acme/immutabilitypolicy/${uuid}`, { active: false });
    expect((await h.request(`/v2/${REPO}/manifests/v2.0`, { method: "DELETE" })).status).toBe(202);
  });
});

describe("other rules", () => {
  test("tagPatternMatches false protects the tags that do not match", async () => {
    const p = await h.call("POST", "/organization/acme/immutabilitypolicy/", { tagPattern: "dev|latest|v.*", tagPatternMatches: false });
    expect((await putTag(h, REPO, "prod", one)).status).toBe(201);
    expect((await putTag(h, REPO, "prod", two)).status).toBe(409);
    expect((await putTag(h, REPO, "dev", two)).status).toBe(201);
    await h.call("DELETE", `/organization/acme/immutabilitypolicy/${p.body.uuid}`);
    expect((await putTag(h, REPO, "prod", two)).status).toBe(201);
  });

  test("a repository policy protects its repository only", async () => {
    const other = await makeManifest(h, "acme/other", "x");
    const other2 = await makeManifest(h, "acme/other", "y");
    expect((await putTag(h, "acme/other", "stable", other)).status).toBe(201);
    expect((await putTag(h, REPO, "stable", one)).status).toBe(201);
    const p = await h.call("POST", "/repository/acme/app/immutabilitypolicy/", { tagPattern: "stable" });
    expect((await putTag(h, REPO, "stable", two)).status).toBe(409);
    expect((await putTag(h, "acme/other", "stable", other2)).status).toBe(201);
    await h.call("DELETE", `/repository/acme/app/immutabilitypolicy/${p.body.uuid}`);
  });

  test("a manual mark protects like a policy, and the error says so", async () => {
    await h.call("PUT", `/repository/${REPO}/tag/dev`, { immutable: true });
    const r = await putTag(h, REPO, "dev", one);
    expect(r.status).toBe(409);
    const e = await ociError(r);
    expect(e.message).toContain("marked immutable by hand");
    expect(e.detail?.policy).toBe("manual");
    await h.call("PUT", `/repository/${REPO}/tag/dev`, { immutable: false });
    expect((await putTag(h, REPO, "dev", one)).status).toBe(201);
  });

  test("a blob used through an index's child manifest is protected with the index's tag", async () => {
    const child = await makeManifest(h, "acme/idx", "child");
    expect((await h.request(`/v2/acme/idx/manifests/${child.digest}`, { method: "PUT", headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" }, body: child.bytes as BodyInit })).status).toBe(201);
    const index = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: child.digest, size: child.bytes.byteLength }] }));
    expect((await h.request("/v2/acme/idx/manifests/stable", { method: "PUT", headers: { "content-type": "application/vnd.oci.image.index.v1+json" }, body: index as BodyInit })).status).toBe(201);
    await h.call("PUT", "/repository/acme/idx/tag/stable", { immutable: true });
    const layer = (JSON.parse(new TextDecoder().decode(child.bytes)) as { layers: { digest: string }[] }).layers[0]!.digest;
    expect((await h.request(`/v2/acme/idx/blobs/${layer}`, { method: "DELETE" })).status).toBe(409);
    await h.call("PUT", "/repository/acme/idx/tag/stable", { immutable: false });
    expect((await h.request(`/v2/acme/idx/blobs/${layer}`, { method: "DELETE" })).status).toBe(202);
  });
});
