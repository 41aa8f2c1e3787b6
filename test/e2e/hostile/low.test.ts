// The low items (13) of issue 10: an invalid Range is ignored (200, RFC 9110);
// 404 for no such endpoint, 405 for a known endpoint and a wrong method;
// HTTP/1.0 without Host is routed on its path; a response stream that fails
// (a corrupt upstream blob) leaves only JSON lines in regcache's output.
// (A lower-case "bearer" challenge: realms.test.ts.)
import { afterAll, beforeAll, expect, test } from "vitest";
import { rawRequest } from "../../helpers/raw-http.ts";
import { pushBlob } from "../oci-http.ts";
import { startHostileSite, type HostileSite } from "./setup.ts";

let site: HostileSite;
const content = new Uint8Array(Array.from({ length: 100 }, (_, i) => i));
let digest: string;

beforeAll(async () => {
  site = await startHostileSite();
  digest = await pushBlob(site.regcache.url, "myorg/app", content);
});
afterAll(async () => site?.stop());

const req = (path: string, init?: RequestInit) => fetch(`${site.regcache.url}${path}`, init);

test("Range: bytes=5-2 is invalid, so it is ignored: 200 with the whole blob", async () => {
  const r = await req(`/v2/myorg/app/blobs/${digest}`, { headers: { range: "bytes=5-2" } });
  expect(r.status).toBe(200);
  expect(new Uint8Array(await r.arrayBuffer())).toEqual(content);
  // A valid range past the end is still unsatisfiable.
  expect((await req(`/v2/myorg/app/blobs/${digest}`, { headers: { range: "bytes=500-600" } })).status).toBe(416);
  expect((await req(`/v2/myorg/app/blobs/${digest}`, { headers: { range: "bytes=2-5" } })).status).toBe(206);
});

test.each([
  ["GET", "/nothing", 404],
  ["GET", "/v2/myorg/app/nothing", 404],
  ["GET", "/v2/myorg/app/blobs", 404],
  ["GET", "/api/v1/nothing", 404],
  ["POST", "/v2/", 405],
  ["DELETE", "/v2/_catalog", 405],
  ["POST", "/metrics", 405],
  ["PUT", "/healthz", 405],
  ["PUT", "/v2/myorg/app/tags/list", 405],
  ["POST", "/v2/myorg/app/manifests/latest", 405],
  ["PUT", "/v2/hostile/honest/app/manifests/latest", 405],
  ["DELETE", "/api/v1/prefetch/queue", 405],
])("%s %s: %i", async (method, path, status) => {
  const r = await req(path, { method });
  expect(r.status).toBe(status);
  if (status === 405) expect(r.headers.get("allow") ?? "").not.toContain(method);
});

test("HTTP/1.0 without Host is routed on its whole path", async () => {
  const base = await rawRequest(site.regcache.port, "GET /v2/ HTTP/1.0");
  expect(base.status).toBe(200);
  expect(base.headers["docker-distribution-api-version"]).toBe("registry/2.0");
  const tags = await rawRequest(site.regcache.port, "GET /v2/myorg/nothere/tags/list HTTP/1.0");
  expect(tags.status).toBe(404);
  expect(tags.body).toContain("NAME_UNKNOWN");
  const blob = await rawRequest(site.regcache.port, `GET /v2/myorg/app/blobs/${digest} HTTP/1.0`);
  expect(blob.status).toBe(200);
});

test("a response stream that fails leaves only JSON lines on stdout and stderr", async () => {
  const layer = site.hostile.image.digests.layers[0]!;
  // The client's transfer is cut: fetch may reject or return a short body.
  await req(`/v2/hostile/corrupt/app/blobs/${layer}`).then((r) => r.arrayBuffer()).catch(() => undefined);
  await site.regcache.waitForLog("upstream sent corrupt blob; nothing cached");
  // Whatever the runtime printed arrives by now: the request's own log line comes after the stream ended.
  await site.regcache.waitForLog(new RegExp(`"msg":"request".*"path":"/v2/hostile/corrupt/app/blobs/${layer}"`));
  const plain = site.regcache.lines().filter((line) => {
    try {
      JSON.parse(line);
      return false;
    } catch {
      return true;
    }
  });
  expect(plain).toEqual([]);
});
