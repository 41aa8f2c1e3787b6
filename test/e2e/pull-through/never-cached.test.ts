// Issue 3, item 8: during an outage, a manifest that was never cached answers 503 (or 502
// for a garbled answer) with an OCI error naming the upstream and the failure class, never
// 404 MANIFEST_UNKNOWN: a client must be able to tell an outage from a typo. A typo at a
// healthy upstream is the 404.
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { skopeoCopy } from "../../helpers/clients.ts";
import { listenOnLoopback, type Listening } from "../../helpers/listen.ts";
import { always503, blackHole, closedPort, type Standin } from "../../helpers/standins.ts";
import { makeTempDir, useTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { expectUpstreamError, get, nextRequestLine, ociErrors, upstreamToml } from "./setup.ts";

/** Answers every connection with bytes that are not HTTP, then closes it. */
async function garbled(): Promise<Listening & { url: string }> {
  const server = createServer((socket) => socket.end("SSH-2.0-not-a-registry\r\n\r\n"));
  const listening = await listenOnLoopback(server);
  return { ...listening, url: `http://127.0.0.1:${listening.port}` };
}

describe("never-cached manifest during an outage", () => {
  let work: TempDir;
  let healthy: UpstreamRegistry;
  let refused: Standin;
  let hole: Standin;
  let err503: Standin;
  let garbage: Listening & { url: string };
  let regcache: RegcacheProcess;

  beforeAll(async () => {
    work = makeTempDir();
    healthy = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    [refused, hole, err503, garbage] = await Promise.all([closedPort(), blackHole(), always503(), garbled()]);
    regcache = await startRegcache({
      extraToml: [
        upstreamToml({ name: "healthy", url: healthy.url }),
        upstreamToml({ name: "refused", url: refused.url }),
        upstreamToml({ name: "dns", url: "http://regcache-test.invalid:5000" }),
        upstreamToml({ name: "timeout", url: hole.url, connectTimeout: "1s", timeout: "1s" }),
        upstreamToml({ name: "err503", url: err503.url }),
        upstreamToml({ name: "garbled", url: garbage.url }),
      ].join(""),
    });
  });

  afterAll(async () => {
    await regcache?.dispose();
    await Promise.all([healthy?.stop(), refused?.stop(), hole?.stop(), err503?.stop(), garbage?.close()]);
    work?.remove();
  });

  test.each([
    ["refused", 503, "UPSTREAM_UNAVAILABLE", "refused"],
    ["dns", 503, "UPSTREAM_UNAVAILABLE", "dns"],
    ["timeout", 503, "UPSTREAM_UNAVAILABLE", "timeout"],
    ["err503", 503, "UPSTREAM_UNAVAILABLE", "http-5xx"],
    ["garbled", 502, "UPSTREAM_INVALID", "invalid-response"],
  ])("%s: %i %s naming the upstream and the class", async (name, status, code, failure) => {
    const path = `/v2/${name}/library/app/manifests/never-pulled`;
    const line = nextRequestLine(regcache, path);
    const answer = await get(regcache, path, "GET", 30_000);
    expectUpstreamError(answer, status, code, name, failure);
    expect(await line()).toMatchObject({ status, upstream_failure: failure });
    if (status === 503) expect(answer.headers.get("retry-after")).toMatch(/^\d+$/);
    // HEAD (what docker and containerd send first) tells the same story, without a body.
    const head = await get(regcache, path, "HEAD", 30_000);
    expect(head.status).toBe(status);
  });

  test("a typo at a healthy upstream is the 404 MANIFEST_UNKNOWN; skopeo tells the two apart", async () => {
    const typo = await get(regcache, "/v2/healthy/library/app/manifests/never-pushed");
    expect(typo.status).toBe(404);
    expect(ociErrors(typo).map((e) => e.code)).toEqual(["MANIFEST_UNKNOWN"]);
    // The same for a blob and a repository the healthy upstream does not have.
    const blob = await get(regcache, `/v2/healthy/library/app/blobs/sha256:${"1".repeat(64)}`);
    expect(blob.status).toBe(404);
    expect(ociErrors(blob)).toMatchObject([{ code: "BLOB_UNKNOWN", detail: { upstream: "healthy", failure: "http-404" } }]);
    const tags = await get(regcache, "/v2/healthy/library/app/tags/list");
    expect(tags.status).toBe(404);
    expect(ociErrors(tags)).toMatchObject([{ code: "NAME_UNKNOWN", detail: { upstream: "healthy", failure: "http-404" } }]);

    const [outage, missing] = await Promise.all([
      skopeoCopy(`docker://${regcache.host}/refused/library/app:v1`, `oci:${useTempDir()}:v1`, { allowFailure: true }),
      skopeoCopy(`docker://${regcache.host}/healthy/library/app:v1`, `oci:${useTempDir()}:v1`, { allowFailure: true }),
    ]);
    expect(outage.code).not.toBe(0);
    expect(outage.stderr).toContain("503 Service Unavailable");
    expect(outage.stderr).not.toMatch(/manifest unknown/i);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/manifest unknown/i);
  });
});
