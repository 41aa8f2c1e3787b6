// Item 7 of issue 10: JSON bombs. A manifest of ~690k nested objects (valid
// JSON, under the 4 MiB limit) is refused by a linear depth scan before it is
// parsed: 400 MANIFEST_INVALID for a push, 502 UPSTREAM_INVALID
// (invalid-response, so stale_if_error can apply) from an upstream.
import { afterAll, beforeAll, expect, test } from "vitest";
import { jsonBomb } from "../../helpers/hostile-upstream.ts";
import { MEDIA_TYPES } from "../../helpers/oci-image.ts";
import { errorCodes } from "../oci-http.ts";
import { expectUpstreamError, get } from "../pull-through/setup.ts";
import { startHostileSite, type HostileSite } from "./setup.ts";

let site: HostileSite;

beforeAll(async () => {
  site = await startHostileSite();
});
afterAll(async () => site?.stop());

test("a pushed bomb: 400 MANIFEST_INVALID naming the depth", async () => {
  const response = await fetch(`${site.regcache.url}/v2/myorg/bomb/manifests/v1`, {
    method: "PUT",
    headers: { "content-type": MEDIA_TYPES.manifest },
    body: jsonBomb() as Uint8Array<ArrayBuffer>,
  });
  expect(response.status).toBe(400);
  const body = (await response.json()) as { errors: { code: string; message: string }[] };
  expect(body.errors.map((e) => e.code)).toEqual(["MANIFEST_INVALID"]);
  expect(body.errors[0]!.message).toMatch(/deeper than 64 levels/);
});

test("a bomb from an upstream: 502 UPSTREAM_INVALID, class invalid-response", async () => {
  const answer = await get(site.regcache, "/v2/hostile/bomb/app/manifests/latest");
  const error = expectUpstreamError(answer, 502, "UPSTREAM_INVALID", "hostile", "invalid-response");
  expect(error.message).toMatch(/deeper than 64 levels/);
});

test("manifests of ordinary depth still go through on both paths", async () => {
  expect((await get(site.regcache, "/v2/hostile/honest/app/manifests/latest")).status).toBe(200);
  const response = await fetch(`${site.regcache.url}/v2/myorg/bomb/manifests/v1`, { method: "PUT", headers: { "content-type": MEDIA_TYPES.manifest }, body: "[]" });
  expect(await errorCodes(response)).toEqual(["MANIFEST_INVALID"]);
});
